import { UnrecoverableError, type Job } from "bullmq";
import { deliveryJobSchema, type JobInput } from "@modelhooks/queues";
import { deliverCall, RetryableDeliveryError, retryDelayMs } from "@modelhooks/webhooks";
import type { WorkerDeps } from "../worker-deps.js";

export function createDeliveriesProcessor(deps: WorkerDeps) {
  const settings = {
    maxAttempts: deps.config.DELIVERY_MAX_ATTEMPTS,
    backoff: { baseMs: deps.config.DELIVERY_BACKOFF_BASE_MS, maxMs: deps.config.DELIVERY_BACKOFF_MAX_MS },
  };
  return async (job: Job<JobInput<"deliveries">>) => {
    const parsed = deliveryJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError("invalid deliveries job");
    return deliverCall({ ...deps, settings }, parsed.data.callId);
  };
}

/**
 * The "webhook" backoff named in the catalog: the delay the delivery computed from the call's own
 * attempt count (and Retry-After); for failures outside the delivery (database down) the same schedule.
 */
export function webhookBackoff(deps: WorkerDeps) {
  return (attemptsMade: number, _type?: string, error?: Error): number =>
    error instanceof RetryableDeliveryError
      ? error.delayMs
      : retryDelayMs(attemptsMade, { baseMs: deps.config.DELIVERY_BACKOFF_BASE_MS, maxMs: deps.config.DELIVERY_BACKOFF_MAX_MS });
}

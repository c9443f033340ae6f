import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import { deliveryJobSchema, type JobInput } from "@modelhooks/queues";
import {
  CallLedger,
  deliverCall,
  DeliveryRateGate,
  InFlightLimiter,
  RetryableDeliveryError,
  retryDelayMs,
  ThrottledDelivery,
} from "@modelhooks/webhooks";
import { failPromotionWhenEveryCallFailed, failScanWhenEveryCallFailed } from "@modelhooks/registry";
import type { WorkerDeps } from "../worker-deps.js";

export function createDeliveriesProcessor(deps: WorkerDeps) {
  const { config } = deps;
  const settings = {
    maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
    backoff: { baseMs: config.DELIVERY_BACKOFF_BASE_MS, maxMs: config.DELIVERY_BACKOFF_MAX_MS },
    health: { disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS, minFailures: config.WEBHOOK_DISABLE_MIN_FAILURES },
  };
  const deliveryDeps = {
    ...deps,
    settings,
    ledger: new CallLedger(deps.db),
    rateGate: new DeliveryRateGate(deps.redis, config.QUEUE_PREFIX),
    // A promotion or scan whose every call failed ends FAILED / error with it.
    onCallFailed: [failPromotionWhenEveryCallFailed, failScanWhenEveryCallFailed],
  };
  const limiter = new InFlightLimiter(config.DELIVERY_MAX_IN_FLIGHT_PER_WEBHOOK, config.DELIVERY_TIMEOUT_MS);
  return async (job: Job<JobInput<"deliveries">>, token?: string) => {
    const parsed = deliveryJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError("invalid deliveries job");
    const { callId, webhookId } = parsed.data;
    const startedAt = Date.now();
    if (!limiter.tryAcquire(webhookId, startedAt)) {
      // This webhook already holds its share of slots: step aside without spending an attempt.
      await job.moveToDelayed(Date.now() + limiter.retryDelayMs(webhookId), token);
      throw new DelayedError();
    }
    try {
      return await deliverCall(deliveryDeps, callId);
    } catch (error) {
      if (!(error instanceof ThrottledDelivery)) throw error;
      // Over the webhook's rate limit: wait for its turn; neither a failure nor an attempt.
      await job.moveToDelayed(Date.now() + error.delayMs, token);
      throw new DelayedError();
    } finally {
      limiter.release(webhookId, startedAt);
    }
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

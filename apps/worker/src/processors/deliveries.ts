import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import { deliveryJobSchema, type JobInput } from "@modelhooks/queues";
import { CallLedger, deliverCall, DeliveryRateGate, RetryableDeliveryError, retryDelayMs, ThrottledDelivery } from "@modelhooks/webhooks";
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
    ledger: new CallLedger(deps.db, settings.health),
    rateGate: new DeliveryRateGate(deps.redis, config.QUEUE_PREFIX),
    // A promotion or scan whose every call failed ends FAILED / error with it.
    onCallFailed: [failPromotionWhenEveryCallFailed, failScanWhenEveryCallFailed],
  };
  const workspaceOf = webhookWorkspaces(deps);
  return async (job: Job<JobInput<"deliveries">>, token?: string) => {
    const parsed = deliveryJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError("invalid deliveries job");
    const { callId, webhookId } = parsed.data;
    const workspaceId = parsed.data.workspaceId ?? (await workspaceOf(webhookId));
    try {
      const lease = await deps.deliverySlots.acquire(webhookId, workspaceId);
      try {
        return await deliverCall(deliveryDeps, callId);
      } finally {
        deps.deliverySlots.release(lease);
      }
    } catch (error) {
      if (!(error instanceof ThrottledDelivery)) throw error;
      // Its webhook or workspace holds its share of slots, or its rate limit says wait: step aside
      // until its turn; neither a failure nor an attempt (a claim made is given back by deliverCall).
      await job.moveToDelayed(Date.now() + error.delayMs, token);
      throw new DelayedError();
    }
  };
}

/**
 * The workspace of a job enqueued before jobs carried it: looked up once per webhook (a webhook
 * never changes workspace). Undefined for a webhook gone since; its call is gone with it.
 */
function webhookWorkspaces(deps: WorkerDeps): (webhookId: number) => Promise<number | undefined> {
  const known = new Map<number, number>();
  return async (webhookId) => {
    const cached = known.get(webhookId);
    if (cached !== undefined) return cached;
    const webhook = await deps.db.webhook.findUnique({ where: { id: webhookId }, select: { workspaceId: true } });
    if (webhook) known.set(webhookId, webhook.workspaceId);
    return webhook?.workspaceId;
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

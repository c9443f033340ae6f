import { jobIds, type JobInput } from "@modelhooks/queues";
import type { JobsOptions } from "bullmq";

/** What an operator reads in the dashboard: which webhook, which kind of event. */
export function deliveryJobName(webhookName: string, eventType: string): string {
  return `${webhookName} · ${eventType}`;
}

/**
 * The one way a delivery job is built (fan-out, retrigger, recovery, the relay's sweep): ids only,
 * and the call's fixed job id, so enqueueing the same call twice is a no-op.
 */
export function deliveryJob(call: {
  callId: number;
  webhookId: number;
  webhookName: string;
  eventType: string;
  workspaceId?: number;
  /** bullmq's priority (1 first); none, as for a retrigger or a recovery a person asked for, goes before every prioritized job. */
  priority?: number;
  /** Not tried before this long: its webhook could not be served now (DeliverySlots.delayForNew). */
  delayMs?: number;
}): {
  name: string;
  data: JobInput<"deliveries">;
  opts: JobsOptions;
} {
  return {
    name: deliveryJobName(call.webhookName, call.eventType),
    data: { callId: call.callId, webhookId: call.webhookId, ...(call.workspaceId !== undefined ? { workspaceId: call.workspaceId } : {}) },
    opts: {
      jobId: jobIds.call(call.callId),
      ...(call.priority !== undefined ? { priority: call.priority } : {}),
      ...(call.delayMs ? { delay: call.delayMs } : {}),
    },
  };
}

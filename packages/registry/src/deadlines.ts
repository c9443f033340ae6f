import { jobIds, type JobData, type JobQueues } from "@modelhooks/queues";
import { expirePromotion } from "./promotions.js";
import type { RegistryDeps } from "./registry-deps.js";
import { expireScan } from "./scans.js";

export interface DeadlineSettings {
  promotionCallbackTimeoutMs: number;
  scanResultTimeoutMs: number;
}

type DeadlineKind = JobData<"deadlines">["kind"];

const KIND_OF_EVENT: Record<string, DeadlineKind | undefined> = { PROMOTE: "promotion-callback", REQUEST_SCAN: "scan-result" };

/**
 * Once a PROMOTE or REQUEST_SCAN event is fanned out, its deadline is a delayed job, so no
 * promotion waits for its call-back, and no scan for its result, forever (docs/lifecycles.md).
 * Fan-out is retried until this succeeds; the fixed job id makes a repeat a no-op.
 */
export async function scheduleDeadline(
  queues: JobQueues,
  event: { eventId: number; eventType: string },
  settings: DeadlineSettings,
): Promise<void> {
  const kind = KIND_OF_EVENT[event.eventType];
  if (!kind) return;
  const delay = kind === "promotion-callback" ? settings.promotionCallbackTimeoutMs : settings.scanResultTimeoutMs;
  await queues.add("deadlines", kind, { kind, eventId: event.eventId }, { jobId: jobIds.deadline(kind, event.eventId), delay });
}

/** When the deadline job fires: end what is overdue, or say when to look again. */
export async function checkDeadline(
  deps: RegistryDeps,
  job: JobData<"deadlines">,
  settings: DeadlineSettings,
): Promise<{ checkAgainAt?: Date }> {
  switch (job.kind) {
    case "promotion-callback":
      return expirePromotion(deps, job.eventId, settings.promotionCallbackTimeoutMs);
    case "scan-result":
      return expireScan(deps, job.eventId, settings.scanResultTimeoutMs);
  }
}

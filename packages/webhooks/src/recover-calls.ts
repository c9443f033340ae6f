import type { Db } from "@modelhooks/db";
import type { Logger } from "@modelhooks/observability";
import { jobIds, type JobQueues } from "@modelhooks/queues";
import { deliveryJob } from "./delivery-job.js";

/**
 * Calls that should have been attempted by now but were not — their job was lost with a Redis
 * restart, or failed for a reason outside the delivery itself (database down) — get their job
 * back. A waiting, delayed or active job is left alone, so this is safe to run on a schedule.
 *
 * Each pass looks at one batch after `cursor.afterId` and moves the cursor on (back to the start
 * after the last batch): calls that stay overdue with a live job — a hanging webhook's backlog,
 * deferred by the in-flight cap — would otherwise fill every batch and hide the lost ones behind.
 */
export async function recoverOverdueCalls(
  db: Db,
  queues: JobQueues,
  logger: Logger,
  graceMs: number,
  cursor: { afterId: number } = { afterId: 0 },
  batchSize = 500,
): Promise<number> {
  const cutoff = new Date(Date.now() - graceMs);
  const overdue = await db.webhookCall.findMany({
    where: {
      id: { gt: cursor.afterId },
      status: { in: ["UNKNOWN", "IN_PROGRESS"] },
      OR: [{ nextAttemptAt: null, updatedAt: { lt: cutoff } }, { nextAttemptAt: { lt: cutoff } }],
    },
    select: { id: true, webhookId: true, webhook: { select: { name: true, workspaceId: true } }, event: { select: { eventType: true } } },
    orderBy: { id: "asc" },
    take: batchSize,
  });
  cursor.afterId = overdue.length === batchSize ? (overdue.at(-1)?.id ?? 0) : 0;
  let recovered = 0;
  for (const call of overdue) {
    const job = deliveryJob({
      callId: call.id,
      webhookId: call.webhookId,
      webhookName: call.webhook.name,
      eventType: call.event.eventType,
      // The worker checks its workspace's slot cap without looking the webhook up.
      workspaceId: call.webhook.workspaceId,
    });
    const outcome = await queues.ensureJob("deliveries", job.name, job.data, jobIds.call(call.id));
    if (outcome !== "present") recovered += 1;
  }
  if (recovered > 0) logger.info("re-enqueued overdue calls", { recovered });
  return recovered;
}

import { failedPrecondition, type RecoverWebhookCallsInput } from "@modelhooks/contracts";
import { Prisma, type Db } from "@modelhooks/db";
import type { Principal } from "@modelhooks/identity";
import type { Logger } from "@modelhooks/observability";
import { jobIds, type FairShare, type JobQueues } from "@modelhooks/queues";
import { deliveryJob } from "./delivery-job.js";
import { findVisibleWebhook } from "./manage-webhooks.js";

// recoverWebhookCalls (docs/api.md): after an outage, every FAILURE call of a webhook created in a
// window is sent again as a new call, the way retriggerWebhookCall does, by the worker in batches.
// Once per event: an event of the window whose delivery to this webhook already succeeded or is
// under way is left alone, and of several failed calls of one event only the latest is sent again.
// A failed call is recovered at most once (a partial unique index), so the same request twice,
// or two workers on one request, send each call once.

/** The failed calls a recovery would send again now, oldest first. */
const CANDIDATES = (webhookId: number, since: Date, until: Date) => Prisma.sql`
  SELECT DISTINCT ON (c.event_id) c.id, c.event_id, c.webhook_id
  FROM webhook_calls c
  WHERE c.webhook_id = ${webhookId} AND c.status = 'FAILURE' AND c.created_at >= ${since} AND c.created_at < ${until}
    AND NOT EXISTS (SELECT 1 FROM webhook_calls d WHERE d.webhook_id = c.webhook_id AND d.event_id = c.event_id AND d.status <> 'FAILURE')
    AND NOT EXISTS (SELECT 1 FROM webhook_calls r WHERE r.retrigger_of_id = c.id AND r.recovery_id IS NOT NULL)
  ORDER BY c.event_id, c.id DESC`;

export const COUNT_RECOVERABLE = (webhookId: number, since: Date, until: Date) =>
  Prisma.sql`SELECT count(*)::int AS n FROM (${CANDIDATES(webhookId, since, until)}) candidates`;

// One batch in one short statement: new calls for the next candidates, each pointing at the call
// it repeats; a candidate another run recovered meanwhile is skipped by the unique index.
export const RECOVER_BATCH = (recoveryId: number, webhookId: number, since: Date, until: Date, batchSize: number) => Prisma.sql`
  WITH batch AS (SELECT * FROM (${CANDIDATES(webhookId, since, until)}) candidates ORDER BY id LIMIT ${batchSize}),
  created AS (
    INSERT INTO webhook_calls (event_id, webhook_id, retrigger_of_id, recovery_id, created_at, updated_at)
    SELECT event_id, webhook_id, id, ${recoveryId}, now(), now() FROM batch
    ON CONFLICT (retrigger_of_id) WHERE recovery_id IS NOT NULL DO NOTHING
    RETURNING id, event_id, webhook_id)
  SELECT created.id AS "callId", created.webhook_id AS "webhookId", w.name AS "webhookName", e.event_type::text AS "eventType",
         (SELECT count(*) FROM batch)::int AS "batchSize"
  FROM created JOIN webhooks w ON w.id = created.webhook_id JOIN events e ON e.id = created.event_id`;

export interface RecoveryDeps {
  db: Db;
  queues: JobQueues;
  logger: Logger;
  /** The worker's: a workspace's big recovery waits behind other workspaces' fresh deliveries. */
  fairShare?: FairShare;
}

/**
 * Records the request (who, which window), counts what it will send, and hands the work to the
 * worker. The webhook must be ACTIVE: a disabled one would fail every recovered call at once.
 */
export async function requestRecovery(
  deps: RecoveryDeps,
  principal: Principal,
  input: RecoverWebhookCallsInput,
): Promise<{ recovery_id: number; recovered: number }> {
  const webhook = await findVisibleWebhook(deps.db, principal, input.webhook_id);
  if (webhook.status !== "ACTIVE") {
    throw failedPrecondition(
      `webhook ${webhook.id} is disabled: re-enable it (updateWebhook with status ACTIVE) before recovering its calls, or every recovered call would fail at once`,
      "webhook_id",
    );
  }
  const until = input.until ?? new Date();
  const [count] = await deps.db.$queryRaw<Array<{ n: number }>>(COUNT_RECOVERABLE(webhook.id, input.since, until));
  const recovery = await deps.db.recoveryRequest.create({
    data: { webhookId: webhook.id, requestedById: principal.userId, since: input.since, until, expected: count?.n ?? 0 },
  });
  deps.logger.info("recovery requested", {
    recoveryId: recovery.id,
    webhookId: webhook.id,
    since: input.since.toISOString(),
    until: until.toISOString(),
    expected: recovery.expected,
    requestedBy: principal.email,
  });
  await enqueueRecovery(deps, recovery.id);
  return { recovery_id: recovery.id, recovered: recovery.expected };
}

async function enqueueRecovery(deps: RecoveryDeps, recoveryId: number): Promise<void> {
  try {
    await deps.queues.add("recoveries", `recovery ${recoveryId}`, { recoveryId }, { jobId: jobIds.recovery(recoveryId) });
  } catch (error) {
    // Recorded: the relay's sweep of unfinished recoveries enqueues it once Redis is back.
    deps.logger.warn("recovery recorded but not enqueued", { recoveryId, error: (error as Error).message });
  }
}

/**
 * The worker's side: batch after batch until nothing is left to send, each batch's calls
 * enqueued after it commits (a crash in between leaves UNKNOWN calls, which the relay's
 * overdue-call sweep enqueues). Safe to run twice, or on two workers at once.
 */
export async function runRecovery(deps: RecoveryDeps, recoveryId: number, batchSize = 200): Promise<number> {
  const recovery = await deps.db.recoveryRequest.findUnique({
    where: { id: recoveryId },
    include: { webhook: { select: { workspaceId: true } } },
  });
  if (!recovery || recovery.finishedAt) return 0;
  let created = 0;
  for (;;) {
    const rows = await deps.db.$queryRaw<
      Array<{ callId: number; webhookId: number; webhookName: string; eventType: string; batchSize: number }>
    >(RECOVER_BATCH(recovery.id, recovery.webhookId, recovery.since, recovery.until, batchSize));
    const priority = rows.length > 0 ? deps.fairShare?.priorityOf(recovery.webhook.workspaceId, rows.length) : undefined;
    await deps.queues.addBulk(
      "deliveries",
      rows.map((row) => deliveryJob({ ...row, workspaceId: recovery.webhook.workspaceId, priority })),
    );
    if (rows.length > 0) {
      created += rows.length;
      await deps.db.recoveryRequest.update({ where: { id: recovery.id }, data: { recovered: { increment: rows.length } } });
    }
    // A batch with fewer candidates than asked for was the last one.
    if ((rows[0]?.batchSize ?? 0) < batchSize) break;
  }
  await deps.db.recoveryRequest.update({ where: { id: recovery.id }, data: { finishedAt: new Date() } });
  deps.logger.info("recovery finished", { recoveryId, created });
  return created;
}

/** Recoveries recorded but never finished (their job was lost) get their job back. */
export async function resumeRecoveries(deps: RecoveryDeps, graceMs: number): Promise<number> {
  const stalled = await deps.db.recoveryRequest.findMany({
    where: { finishedAt: null, createdAt: { lt: new Date(Date.now() - graceMs) } },
    select: { id: true },
    take: 100,
  });
  let resumed = 0;
  for (const recovery of stalled) {
    const outcome = await deps.queues.ensureJob(
      "recoveries",
      `recovery ${recovery.id}`,
      { recoveryId: recovery.id },
      jobIds.recovery(recovery.id),
    );
    if (outcome !== "present") resumed += 1;
  }
  return resumed;
}

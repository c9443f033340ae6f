import { Prisma, sqlStateOf, type Db } from "@modelhooks/db";
import { pruneNotifications } from "@modelhooks/notifications";

// Retention (docs/reliability.md, "Retention"): events older than the cutoff are deleted with
// their calls and attempts, a batch at a time, each batch its own short transaction. An event
// stays while anything may still need it:
//   - it is not fanned out yet (the outbox still owes it to the queue);
//   - one of its calls is not final (UNKNOWN or IN_PROGRESS: a delivery is due or under way);
//   - one of its calls is younger than the cutoff (a retrigger or recovery of an old call);
//   - it is the event of a promotion still IN_PROGRESS, or of a scan still building or scanning
//     (its deadline and its calls' outcomes find the promotion or scan through it).
// The walk goes oldest first with a keyset cursor, so an event kept is looked at once per run.

export interface RetentionBatch {
  events: number;
  calls: number;
  attempts: number;
  /** Candidates of this batch that stayed (still needed, or locked by someone else right now). */
  kept: number;
  /** How long the batch's transaction was open, i.e. the longest any of its row locks was held. */
  durationMs: number;
}

export interface RetentionFigures {
  batches: number;
  events: number;
  calls: number;
  attempts: number;
  kept: number;
  recoveries: number;
  /** The longest batch transaction of the run. */
  longestBatchMs: number;
  /** False when the run stopped at its deadline with old events left to look at. */
  complete: boolean;
}

export interface RetentionOptions {
  cutoff: Date;
  batchSize: number;
  /** Start no batch after this instant (epoch ms); the next run goes on where this one left off. */
  deadline?: number;
  onBatch?: (batch: RetentionBatch) => void;
}

interface Cursor {
  createdAt: Date;
  id: number;
}

/** The next events older than the cutoff, after the cursor: an index range, nothing locked. */
export const NEXT_OLD_EVENTS = (cutoff: Date, after: Cursor, limit: number) => Prisma.sql`
  SELECT id, created_at AS "createdAt" FROM events
  WHERE created_at < ${cutoff} AND (created_at, id) > (${after.createdAt}, ${after.id})
  ORDER BY created_at, id LIMIT ${limit}`;

// A batch never waits long behind another transaction's lock: it would hold its own meanwhile.
const BATCH_LOCK_TIMEOUT = Prisma.sql`SET LOCAL lock_timeout = '2s'`;

// Locks the candidates nobody else holds. Once an event is locked no call can be added to it (the
// foreign key check of an insert needs a share lock on the event), so what the next statement
// sees of its calls stays true until the transaction ends.
export const LOCK_EVENTS = (ids: number[], cutoff: Date) => Prisma.sql`
  SELECT id FROM events WHERE id = ANY(${ids}::int[]) AND created_at < ${cutoff} AND fanned_out_at IS NOT NULL
  FOR UPDATE SKIP LOCKED`;

// One statement, one snapshot taken after the locks: the attempts, calls and events to delete.
// Driven by the id list (unnest), so every check is an index probe per event, whatever the
// planner guesses of the array.
export const DELETE_EVENTS = (ids: number[], cutoff: Date) => Prisma.sql`
  WITH doomed AS (
    SELECT e.id FROM unnest(${ids}::int[]) AS batch(id) JOIN events e ON e.id = batch.id
    WHERE NOT EXISTS (SELECT 1 FROM webhook_calls c
                      WHERE c.event_id = e.id AND (c.status IN ('UNKNOWN', 'IN_PROGRESS') OR c.created_at >= ${cutoff}))
      AND NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.promotion_event_id = e.id AND v.promotion_status = 'IN_PROGRESS')
      AND NOT EXISTS (SELECT 1 FROM builds b WHERE b.scan_event_id = e.id AND b.scan_status IN ('BUILDING', 'SCANNING'))),
  calls AS (SELECT c.id FROM webhook_calls c JOIN doomed ON c.event_id = doomed.id),
  gone_attempts AS (DELETE FROM webhook_call_attempts a USING calls WHERE a.call_id = calls.id RETURNING 1),
  gone_calls AS (DELETE FROM webhook_calls c USING calls WHERE c.id = calls.id RETURNING 1),
  gone_events AS (DELETE FROM events e USING doomed WHERE e.id = doomed.id RETURNING 1)
  SELECT (SELECT count(*) FROM gone_events)::int AS events, (SELECT count(*) FROM gone_calls)::int AS calls,
         (SELECT count(*) FROM gone_attempts)::int AS attempts`;

// Finished recovery requests (the record of who asked) once none of the calls they made is left.
export const DELETE_RECOVERIES = (cutoff: Date, limit: number) => Prisma.sql`
  DELETE FROM recovery_requests WHERE id IN (
    SELECT r.id FROM recovery_requests r
    WHERE r.finished_at < ${cutoff} AND NOT EXISTS (SELECT 1 FROM webhook_calls c WHERE c.recovery_id = r.id)
    ORDER BY r.finished_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;

/** Deletes what is older than the cutoff and no longer needed, batch by batch. Safe to run on two workers at once. */
export async function pruneDeliveryLog(db: Db, options: RetentionOptions): Promise<RetentionFigures> {
  const figures: RetentionFigures = {
    batches: 0,
    events: 0,
    calls: 0,
    attempts: 0,
    kept: 0,
    recoveries: 0,
    longestBatchMs: 0,
    complete: true,
  };
  let cursor: Cursor = { createdAt: new Date(0), id: 0 };
  for (;;) {
    if (options.deadline !== undefined && Date.now() >= options.deadline) {
      figures.complete = false;
      break;
    }
    const candidates = await db.$queryRaw<Cursor[]>(NEXT_OLD_EVENTS(options.cutoff, cursor, options.batchSize));
    const last = candidates.at(-1);
    if (!last) break;
    cursor = last;
    const batch = await deleteBatch(
      db,
      candidates.map((candidate) => candidate.id),
      options.cutoff,
    );
    figures.batches += 1;
    figures.events += batch.events;
    figures.calls += batch.calls;
    figures.attempts += batch.attempts;
    figures.kept += batch.kept;
    figures.longestBatchMs = Math.max(figures.longestBatchMs, batch.durationMs);
    options.onBatch?.(batch);
    if (candidates.length < options.batchSize) break;
  }
  for (;;) {
    const deleted = await db.$executeRaw(DELETE_RECOVERIES(options.cutoff, options.batchSize));
    figures.recoveries += deleted;
    if (deleted < options.batchSize) break;
  }
  return figures;
}

async function deleteBatch(db: Db, ids: number[], cutoff: Date): Promise<RetentionBatch> {
  const started = performance.now();
  try {
    const counts = await db.$transaction(async (tx) => {
      await tx.$executeRaw(BATCH_LOCK_TIMEOUT);
      const locked = await tx.$queryRaw<Array<{ id: number }>>(LOCK_EVENTS(ids, cutoff));
      if (locked.length === 0) return { events: 0, calls: 0, attempts: 0 };
      const [row] = await tx.$queryRaw<Array<{ events: number; calls: number; attempts: number }>>(
        DELETE_EVENTS(
          locked.map((event) => event.id),
          cutoff,
        ),
      );
      return row ?? { events: 0, calls: 0, attempts: 0 };
    });
    return { ...counts, kept: ids.length - counts.events, durationMs: performance.now() - started };
  } catch (error) {
    // lock_timeout: a row this batch needed was busy; the next run tries these events again.
    if (sqlStateOf(error) !== "55P03") throw error;
    return { events: 0, calls: 0, attempts: 0, kept: ids.length, durationMs: performance.now() - started };
  }
}

export interface RetentionSettings {
  retentionDays: number;
  batchSize: number;
  /** Start no batch after this instant (epoch ms). */
  deadline?: number;
  now?: Date;
}

/** One run of the retention job: the delivery log, finished recovery requests and notifications past the cutoff. */
export async function enforceRetention(
  db: Db,
  settings: RetentionSettings,
): Promise<RetentionFigures & { notifications: number; cutoff: Date }> {
  // 0 means "keep everything": never a cutoff of now, which would delete every finished event.
  if (!(settings.retentionDays > 0)) throw new RangeError(`retention of ${settings.retentionDays} days: must be more than 0`);
  const now = settings.now ?? new Date();
  const cutoff = new Date(now.getTime() - settings.retentionDays * 24 * 60 * 60 * 1000);
  const log = await pruneDeliveryLog(db, { cutoff, batchSize: settings.batchSize, deadline: settings.deadline });
  const notifications = await pruneNotifications(db, cutoff, settings.batchSize);
  return { ...log, notifications, cutoff };
}

import { Prisma, type Db } from "@modelhooks/db";
import type { Logger, Metrics } from "@modelhooks/observability";
import { jobIds, type JobQueues } from "@modelhooks/queues";
import type { EventPayload } from "@modelhooks/contracts";
import { registeredModelIdOf, type EventToRecord } from "./model-of-event.js";

export type EventSource = "api" | "registry" | "published" | "service";

export const INSERT_EVENT = (event: EventToRecord, payload: EventPayload) => Prisma.sql`
  INSERT INTO events (uuid, workspace_id, event_type, resource_type, registered_model_id, timestamp, payload, created_at)
  VALUES (${event.event_uuid}, ${event.workspace_id}, ${event.event_type}::"EventType", ${event.resource_type}::"ResourceType",
          ${registeredModelIdOf(event)}::int, ${event.timestamp ?? new Date()}::timestamptz, ${JSON.stringify(payload)}::jsonb, now())
  ON CONFLICT (workspace_id, uuid) DO NOTHING
  RETURNING id`;

export const MARK_ENQUEUED = (eventId: number) => Prisma.sql`UPDATE events SET enqueued_at = now() WHERE id = ${eventId}`;

/** The outbox row of an event that this call recorded, or nothing when its workspace already had that uuid. */
export type RecordedEvent = { created: true; id: number } | { created: false };

/**
 * Writes the event into the outbox inside the caller's transaction, so the change and its event
 * commit together. The same uuid twice in one workspace is recorded once; other workspaces'
 * uuids never interact with it.
 */
export async function recordEvent(tx: Prisma.TransactionClient | Db, event: EventToRecord): Promise<RecordedEvent> {
  const payload: EventPayload = { original_entity: event.original_entity ?? null, new_entity: event.new_entity ?? null };
  // Raw: createEvent's hottest statement, and Prisma's createMany costs several times its CPU.
  const [row] = await tx.$queryRaw<Array<{ id: number }>>(INSERT_EVENT(event, payload));
  return row ? { created: true, id: row.id } : { created: false };
}

export interface OutboxDeps {
  db: Db;
  queues: JobQueues;
  logger: Logger;
  metrics?: Metrics;
}

/**
 * After the commit: hand the event to the events queue. When Redis is down this only logs; the
 * event is already safe in Postgres and the relay enqueues it later.
 */
export async function enqueueRecordedEvent(deps: OutboxDeps, eventId: number, eventType: string): Promise<boolean> {
  try {
    await deps.queues.add("events", eventType, { eventId }, { jobId: jobIds.event(eventId) });
    await deps.db.$executeRaw(MARK_ENQUEUED(eventId));
    return true;
  } catch (error) {
    deps.logger.warn("event recorded but not enqueued; the outbox relay will retry", { eventId, error: (error as Error).message });
    return false;
  }
}

/**
 * Events recorded inside a transaction alongside the change that caused them; `enqueue` once the
 * transaction has committed (never before: a rolled-back change must not notify anyone).
 */
export class PendingEvents {
  private readonly recorded: Array<{ id: number; event: EventToRecord }> = [];

  async record(tx: Prisma.TransactionClient, event: EventToRecord): Promise<RecordedEvent> {
    const result = await recordEvent(tx, event);
    if (result.created) this.recorded.push({ id: result.id, event });
    return result;
  }

  async enqueue(deps: OutboxDeps, source: EventSource): Promise<void> {
    for (const { id, event } of this.recorded) {
      deps.metrics?.eventsEmitted.inc({ event_type: event.event_type, source });
      await enqueueRecordedEvent(deps, id, event.event_type);
    }
  }
}

/** Record and enqueue in one go, for callers with no change of their own to commit alongside. */
export async function emitEvent(deps: OutboxDeps, event: EventToRecord, source: EventSource): Promise<RecordedEvent> {
  const result = await recordEvent(deps.db, event);
  if (result.created) {
    deps.metrics?.eventsEmitted.inc({ event_type: event.event_type, source });
    await enqueueRecordedEvent(deps, result.id, event.event_type);
  }
  return result;
}

/**
 * The relay: events recorded but not fanned out — never enqueued, or enqueued and then lost
 * (Redis restarted without persistence) — are handed to the queue again. Job ids make it idempotent.
 */
export async function relayOutbox(deps: OutboxDeps, graceMs: number, batchSize = 500): Promise<number> {
  const now = Date.now();
  const stale = await deps.db.event.findMany({
    where: {
      fannedOutAt: null,
      OR: [
        { enqueuedAt: null, createdAt: { lt: new Date(now - Math.min(graceMs, 1000)) } },
        { enqueuedAt: { lt: new Date(now - graceMs) } },
      ],
    },
    select: { id: true, eventType: true },
    orderBy: { createdAt: "asc" },
    take: batchSize,
  });
  let relayed = 0;
  for (const event of stale) {
    const outcome = await deps.queues.ensureJob("events", event.eventType, { eventId: event.id }, jobIds.event(event.id));
    await deps.db.event.update({ where: { id: event.id }, data: { enqueuedAt: new Date() } });
    if (outcome !== "present") relayed += 1;
  }
  if (relayed > 0) deps.logger.info("outbox relay re-enqueued events", { relayed });
  return relayed;
}

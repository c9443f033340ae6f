import { directExecute, directQuery, GroupCommit, isDataError, Prisma, type Db } from "@modelhooks/db";
import type { Logger, Metrics } from "@modelhooks/observability";
import { FairShare, jobIds, type JobQueues } from "@modelhooks/queues";
import type { EventPayload, ParsedEvent } from "@modelhooks/contracts";
import { registeredModelIdOf } from "./model-of-event.js";
import type { RecordedEvent } from "./outbox.js";

// Several requests' events in one statement. Within one statement DO NOTHING also skips a second
// row with the uuid of an earlier one, so a duplicate keeps its meaning inside a batch too.
export const INSERT_EVENTS = (events: ParsedEvent[]) => Prisma.sql`
  INSERT INTO events (uuid, workspace_id, event_type, resource_type, registered_model_id, timestamp, payload, created_at)
  SELECT uuid, workspace_id, event_type::"EventType", resource_type::"ResourceType", registered_model_id, timestamp, payload::jsonb, now()
  FROM unnest(
    ${events.map((event) => event.event_uuid)}::text[], ${events.map((event) => event.workspace_id)}::int[],
    ${events.map((event) => event.event_type)}::text[], ${events.map((event) => event.resource_type)}::text[],
    ${events.map(registeredModelIdOf)}::int[],
    ${events.map((event) => event.timestamp ?? new Date())}::timestamptz[], ${events.map((event) => JSON.stringify(payloadOf(event)))}::text[])
    WITH ORDINALITY AS t(uuid, workspace_id, event_type, resource_type, registered_model_id, timestamp, payload, position)
  ORDER BY position
  ON CONFLICT (workspace_id, uuid) DO NOTHING
  RETURNING id, workspace_id AS "workspaceId", uuid`;

export const MARK_ALL_ENQUEUED = (eventIds: number[]) =>
  Prisma.sql`UPDATE events SET enqueued_at = now() WHERE id = ANY(${eventIds}::int[])`;

export interface EventIntakeDeps {
  db: Db;
  queues: JobQueues;
  /** For what concerns a whole batch (Redis down); each request logs its own outcome. */
  logger: Logger;
  metrics?: Metrics;
}

// One batch in flight while the next gathers: under load each batch is as large as it can be,
// which spreads its statement and its addBulk over the most requests (docs/performance.md).
const BATCHING = { maxConcurrentBatches: 1, maxBatchSize: 200, retryAlone: isDataError };

/**
 * createEvent's writes, shared by every request in flight in this process (group commit, as the
 * delivery ledger does): their outbox rows in one INSERT, their fan-out jobs in one addBulk, their
 * `enqueued_at` in one UPDATE sent after they are answered. A request arriving while the batch
 * slot is free goes at once, so a quiet API adds no delay. A batch PostgreSQL refuses for its data
 * (an unknown workspace) is tried again row by row, so only the faulty request fails.
 */
export class EventIntake {
  private readonly batches: GroupCommit<ParsedEvent, RecordedEvent>;
  /** What this API queued lately, per workspace: the fan-out jobs' fair order, so one workspace's flood does not hold up another's events. */
  private readonly fairShare = new FairShare();
  /** The `enqueued_at` marks sent after their requests were answered and not yet landed. */
  private readonly marking = new Set<Promise<unknown>>();

  constructor(private readonly deps: EventIntakeDeps) {
    this.batches = new GroupCommit((events) => this.recordAll(events), BATCHING);
  }

  /** Recorded before it resolves (then queued, or left to the outbox relay when Redis is down). */
  submit(event: ParsedEvent): Promise<RecordedEvent> {
    return this.batches.submit(event);
  }

  /** Resolves once every `enqueued_at` mark already sent has landed: before closing the database, say. */
  async drain(): Promise<void> {
    await Promise.all([...this.marking]);
  }

  private async recordAll(events: ParsedEvent[]): Promise<RecordedEvent[]> {
    const rows = await directQuery<{ id: number; workspaceId: number; uuid: string }>(this.deps.db, INSERT_EVENTS(events));
    const created = new Map(rows.map((row) => [keyOf(row.workspaceId, row.uuid), row.id]));
    const results = events.map((event): RecordedEvent => {
      const key = keyOf(event.workspace_id, event.event_uuid);
      const id = created.get(key);
      if (id === undefined) return { created: false };
      // The first of a batch's duplicates is the one recorded; the others answer as repeats.
      created.delete(key);
      return { created: true, id };
    });
    const recorded = events.flatMap((event, index) => {
      const result = results[index] as RecordedEvent;
      return result.created ? [{ id: result.id, event }] : [];
    });
    if (recorded.length > 0) await this.enqueue(recorded);
    return results;
  }

  /** After the commit; when Redis is down this only logs: the events are safe and the relay enqueues them later. */
  private async enqueue(recorded: Array<{ id: number; event: ParsedEvent }>): Promise<void> {
    for (const { event } of recorded) this.deps.metrics?.eventsEmitted.inc({ event_type: event.event_type, source: "api" });
    try {
      await this.deps.queues.addBulk(
        "events",
        recorded.map(({ id, event }) => ({
          name: event.event_type,
          data: { eventId: id },
          opts: { jobId: jobIds.event(id), priority: this.fairShare.priorityOf(event.workspace_id, 1) },
        })),
      );
    } catch (error) {
      // One line per event, as a request alone would log it: operators search by eventId.
      for (const { id } of recorded) {
        this.deps.logger.warn("event recorded but not enqueued; the outbox relay will retry", {
          eventId: id,
          error: (error as Error).message,
        });
      }
      return;
    }
    // Not waited for: the jobs are queued, which is what the answer promises; enqueued_at only
    // spares the relay's sweep a look, and a mark that never lands costs one idempotent re-add.
    // The next batch's INSERT meanwhile goes ahead on another connection.
    const mark = directExecute(this.deps.db, MARK_ALL_ENQUEUED(recorded.map(({ id }) => id))).catch((error: unknown) => {
      this.deps.logger.warn("events queued but not marked enqueued; the outbox relay will look at them again", {
        eventIds: recorded.map(({ id }) => id),
        error: (error as Error).message,
      });
    });
    this.marking.add(mark);
    void mark.finally(() => this.marking.delete(mark));
  }
}

function keyOf(workspaceId: number, uuid: string): string {
  return `${workspaceId}\u0000${uuid}`;
}

function payloadOf(event: ParsedEvent): EventPayload {
  return { original_entity: event.original_entity ?? null, new_entity: event.new_entity ?? null };
}

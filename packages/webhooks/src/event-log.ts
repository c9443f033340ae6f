import { pageOfQuery, type FindEventsInput } from "@modelhooks/contracts";
import { newestFirstPage, oneOf, Prisma, recordedWithin, type Db, type Event } from "@modelhooks/db";
import { visibleAmong, type Principal } from "@modelhooks/identity";
import type { EventPayload } from "@modelhooks/contracts";

export interface CallCounts {
  total: number;
  success: number;
  failure: number;
  in_progress: number;
}

// One aggregate for the page's events, instead of loading their calls.
export const CALL_COUNTS = (eventIds: number[]) => Prisma.sql`
  SELECT event_id AS "eventId", count(*)::int AS total,
         count(*) FILTER (WHERE status = 'SUCCESS')::int AS success,
         count(*) FILTER (WHERE status = 'FAILURE')::int AS failure,
         count(*) FILTER (WHERE status IN ('UNKNOWN', 'IN_PROGRESS'))::int AS in_progress
  FROM webhook_calls WHERE event_id = ANY(${eventIds}::int[]) GROUP BY event_id`;

/** Events the caller can see, filtered, newest first (by when they were recorded), one page, with their calls counted. */
export async function findEvents(db: Db, principal: Principal, filter: FindEventsInput) {
  const workspaceIds = visibleAmong(principal, filter.workspace_id === undefined ? [] : [filter.workspace_id]);
  const where: Prisma.EventWhereInput = {
    workspaceId: workspaceIds ? { in: workspaceIds } : undefined,
    uuid: oneOf(filter.event_uuids),
    eventType: oneOf(filter.event_types),
    resourceType: oneOf(filter.resource_types),
    createdAt: recordedWithin(filter.since, filter.until),
  };
  const [events, total] = await Promise.all([
    db.event.findMany({ where, ...newestFirstPage(pageOfQuery(filter)) }),
    db.event.count({ where }),
  ]);
  const counts = events.length
    ? await db.$queryRaw<Array<CallCounts & { eventId: number }>>(CALL_COUNTS(events.map((event) => event.id)))
    : [];
  const byEvent = new Map(counts.map(({ eventId, ...count }) => [eventId, count]));
  return {
    events: events.map((event) => ({ event, calls: byEvent.get(event.id) ?? { total: 0, success: 0, failure: 0, in_progress: 0 } })),
    total,
  };
}

/** An event as findEvents answers it. */
export function eventView({ event, calls }: { event: Event; calls: CallCounts }) {
  const payload = event.payload as unknown as EventPayload;
  return {
    event_uuid: event.uuid,
    event_type: event.eventType,
    resource_type: event.resourceType,
    workspace_id: event.workspaceId,
    timestamp: event.timestamp.toISOString(),
    created_at: event.createdAt.toISOString(),
    original_entity: payload.original_entity ?? null,
    new_entity: payload.new_entity ?? null,
    calls,
  };
}

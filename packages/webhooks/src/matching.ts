import type { EventType, ResourceType } from "@modelhooks/contracts";
import { Prisma, type Db } from "@modelhooks/db";

export interface MatchableEvent {
  workspaceId: number;
  eventType: EventType;
  resourceType: ResourceType;
}

/**
 * The matching rule of docs/api.md (Webhook) as the join condition of webhooks `w` to an event `e` (columns of the events table):
 * same workspace, ACTIVE, event type wanted (or all), resource type wanted (or none listed).
 */
export const MATCHING_WEBHOOKS = Prisma.sql`
  w.workspace_id = e.workspace_id AND w.status = 'ACTIVE'
  AND (w.all_events OR e.event_type = ANY (w.event_types))
  AND (cardinality(w.resource_types) = 0 OR e.resource_type = ANY (w.resource_types))`;

/** The same rule in memory: the oracle the SQL is tested against, and for anything that already holds the webhook. */
export function webhookMatches(
  webhook: { workspaceId: number; status: string; allEvents: boolean; eventTypes: readonly string[]; resourceTypes: readonly string[] },
  event: MatchableEvent,
): boolean {
  return (
    webhook.workspaceId === event.workspaceId &&
    webhook.status === "ACTIVE" &&
    (webhook.allEvents || webhook.eventTypes.includes(event.eventType)) &&
    (webhook.resourceTypes.length === 0 || webhook.resourceTypes.includes(event.resourceType))
  );
}

export const COUNT_SUBSCRIBERS = (event: MatchableEvent) => Prisma.sql`
  WITH e (workspace_id, event_type, resource_type) AS (
    VALUES (${event.workspaceId}::int, ${event.eventType}::"EventType", ${event.resourceType}::"ResourceType"))
  SELECT count(*)::int AS n FROM e JOIN webhooks w ON ${MATCHING_WEBHOOKS}`;

/** How many ACTIVE webhooks an event like this would reach now (in the caller's transaction). */
export async function countSubscribers(tx: Pick<Db, "$queryRaw">, event: MatchableEvent): Promise<number> {
  const [row] = await tx.$queryRaw<Array<{ n: number }>>(COUNT_SUBSCRIBERS(event));
  return row?.n ?? 0;
}

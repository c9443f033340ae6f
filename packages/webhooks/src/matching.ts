import type { EventType, ResourceType } from "@modelhooks/contracts";
import { Prisma, type Db } from "@modelhooks/db";

export interface MatchableEvent {
  workspaceId: number;
  eventType: EventType;
  resourceType: ResourceType;
  /** The registered model it concerns (null: none, e.g. a webhook's own events). */
  registeredModelId: number | null;
}

/**
 * The matching rule of docs/api.md (Webhook) as the join condition of webhooks `w` to an event `e` (columns of the events table):
 * same workspace, ACTIVE, event type wanted (or all), resource type wanted (or none listed), and
 * the event's model in the webhook's scope (or no scope; an event of no model is outside every scope).
 */
export const MATCHING_WEBHOOKS = Prisma.sql`
  w.workspace_id = e.workspace_id AND w.status = 'ACTIVE'
  AND (w.all_events OR e.event_type = ANY (w.event_types))
  AND (cardinality(w.resource_types) = 0 OR e.resource_type = ANY (w.resource_types))
  AND (coalesce(cardinality(w.registered_model_ids), 0) = 0 OR e.registered_model_id = ANY (w.registered_model_ids))`;

/** The same rule in memory: the oracle the SQL is tested against, and for anything that already holds the webhook. */
export function webhookMatches(
  webhook: {
    workspaceId: number;
    status: string;
    allEvents: boolean;
    eventTypes: readonly string[];
    resourceTypes: readonly string[];
    registeredModelIds: readonly number[];
  },
  event: MatchableEvent,
): boolean {
  return (
    webhook.workspaceId === event.workspaceId &&
    webhook.status === "ACTIVE" &&
    (webhook.allEvents || webhook.eventTypes.includes(event.eventType)) &&
    (webhook.resourceTypes.length === 0 || webhook.resourceTypes.includes(event.resourceType)) &&
    (webhook.registeredModelIds.length === 0 ||
      (event.registeredModelId !== null && webhook.registeredModelIds.includes(event.registeredModelId)))
  );
}

export const COUNT_SUBSCRIBERS = (event: MatchableEvent) => Prisma.sql`
  WITH e (workspace_id, event_type, resource_type, registered_model_id) AS (
    VALUES (${event.workspaceId}::int, ${event.eventType}::"EventType", ${event.resourceType}::"ResourceType", ${event.registeredModelId}::int))
  SELECT count(*)::int AS n FROM e JOIN webhooks w ON ${MATCHING_WEBHOOKS}`;

/** How many ACTIVE webhooks an event like this would reach now (in the caller's transaction). */
export async function countSubscribers(tx: Pick<Db, "$queryRaw">, event: MatchableEvent): Promise<number> {
  const [row] = await tx.$queryRaw<Array<{ n: number }>>(COUNT_SUBSCRIBERS(event));
  return row?.n ?? 0;
}

import type { Prisma } from "@modelhooks/db";
import type { EventType, ResourceType } from "@modelhooks/events/event-schema";

export interface MatchableEvent {
  workspaceId: number;
  eventType: EventType;
  resourceType: ResourceType;
}

/** SPEC §4: same workspace, ACTIVE, event type wanted (or all), resource type wanted (or none listed). */
export function matchingWebhooksWhere(event: MatchableEvent): Prisma.WebhookWhereInput {
  return {
    workspaceId: event.workspaceId,
    status: "ACTIVE",
    AND: [
      { OR: [{ allEvents: true }, { eventTypes: { has: event.eventType } }] },
      { OR: [{ resourceTypes: { isEmpty: true } }, { resourceTypes: { has: event.resourceType } }] },
    ],
  };
}

/** The same rule in memory, for unit tests and anything that already holds the webhook. */
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

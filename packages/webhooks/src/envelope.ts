import type { Event, Webhook } from "@modelhooks/db";
import type { EventPayload } from "@modelhooks/contracts";
import type { DeliveryEnvelope } from "./outgoing-request.js";

export type EnvelopeEvent = Pick<Event, "uuid" | "eventType" | "workspaceId" | "timestamp" | "resourceType" | "payload">;

/** The body receivers get (docs/api.md, Deliveries on the wire), from the outbox row and the webhook it goes to. */
export function envelopeOf(
  event: EnvelopeEvent,
  workspaceName: string,
  webhook: Pick<Webhook, "id" | "name">,
  test: boolean,
): DeliveryEnvelope {
  const payload = event.payload as unknown as EventPayload;
  return {
    event_uuid: event.uuid,
    event_type: event.eventType,
    workspace_id: event.workspaceId,
    workspace_name: workspaceName,
    timestamp: event.timestamp.toISOString(),
    resource_type: event.resourceType,
    original_entity: payload.original_entity ?? null,
    new_entity: payload.new_entity ?? null,
    webhook: { id: webhook.id, name: webhook.name },
    test,
  };
}

import type { Event, Webhook, Workspace } from "@modelhooks/db";
import type { EventPayload } from "@modelhooks/events/event-schema";
import type { DeliveryEnvelope } from "./outgoing-request.js";

/** The body receivers get (SPEC §4), from the outbox row and the webhook it goes to. */
export function envelopeOf(
  event: Event & { workspace: Workspace },
  webhook: Pick<Webhook, "id" | "name">,
  test: boolean,
): DeliveryEnvelope {
  const payload = event.payload as unknown as EventPayload;
  return {
    event_uuid: event.uuid,
    event_type: event.eventType,
    workspace_id: event.workspaceId,
    workspace_name: event.workspace.name,
    timestamp: event.timestamp.toISOString(),
    resource_type: event.resourceType,
    original_entity: payload.original_entity ?? null,
    new_entity: payload.new_entity ?? null,
    webhook: { id: webhook.id, name: webhook.name },
    test,
  };
}

import { randomUUID } from "node:crypto";
import type { EventType, ParsedEvent, ResourceType } from "@modelhooks/contracts";

/** An event the service itself emits about a change it made, with a fresh uuid, timestamped now. */
export function makeEvent(
  workspaceId: number,
  eventType: EventType,
  resourceType: ResourceType,
  originalEntity: Record<string, unknown> | null,
  newEntity: Record<string, unknown> | null,
): ParsedEvent {
  return {
    event_uuid: randomUUID(),
    event_type: eventType,
    workspace_id: workspaceId,
    timestamp: new Date(),
    resource_type: resourceType,
    original_entity: originalEntity,
    new_entity: newEntity,
  };
}

import { randomUUID } from "node:crypto";
import type { EventType, ResourceType } from "@modelhooks/contracts";
import type { EventToRecord } from "./model-of-event.js";

/** An event the service itself emits about a change it made, with a fresh uuid, timestamped now. */
export function makeEvent(
  workspaceId: number,
  eventType: EventType,
  resourceType: ResourceType,
  originalEntity: Record<string, unknown> | null,
  newEntity: Record<string, unknown> | null,
  /** The model it concerns, when its entities do not name it (a build's); otherwise read from them. */
  registeredModelId?: number,
): EventToRecord {
  return {
    event_uuid: randomUUID(),
    event_type: eventType,
    workspace_id: workspaceId,
    timestamp: new Date(),
    resource_type: resourceType,
    original_entity: originalEntity,
    new_entity: newEntity,
    ...(registeredModelId !== undefined ? { registeredModelId } : {}),
  };
}

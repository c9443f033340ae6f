import { randomUUID } from "node:crypto";
import type { ModelVersion, RegisteredModel } from "@modelhooks/db";
import type { EventType, ParsedEvent, ResourceType } from "@modelhooks/events";
import { modelVersionView, registeredModelView } from "./views.js";

/** An event the registry emits about one of its resources (SPEC §5), with a fresh uuid. */
export function registryEvent(
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

export const modelEntity = (model: RegisteredModel | null) => (model ? { registered_model: registeredModelView(model) } : null);
export const versionEntity = (version: ModelVersion | null) => (version ? { model_version: modelVersionView(version) } : null);

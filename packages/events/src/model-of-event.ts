import type { ParsedEvent } from "@modelhooks/contracts";

/** An event to record, with the registered model it concerns when the emitter knows it better than its entities say. */
export type EventToRecord = ParsedEvent & { registeredModelId?: number | null };

const MAX_ID = 2_147_483_647;
const asId = (value: unknown) => (typeof value === "number" && Number.isInteger(value) && value > 0 && value <= MAX_ID ? value : undefined);
const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;

/**
 * The model an entity names, in the shapes the registry's own events use: `registered_model.id`,
 * then `model_version.registered_model_id`, then `build.registered_model_id`.
 */
function modelNamedBy(entity: unknown): number | undefined {
  return (
    asId(field(field(entity, "registered_model"), "id")) ??
    asId(field(field(entity, "model_version"), "registered_model_id")) ??
    asId(field(field(entity, "build"), "registered_model_id"))
  );
}

/** What the events row records as registered_model_id (the new entity first, then the original). */
export function registeredModelIdOf(event: EventToRecord): number | null {
  if (event.registeredModelId !== undefined) return event.registeredModelId;
  return modelNamedBy(event.new_entity) ?? modelNamedBy(event.original_entity) ?? null;
}

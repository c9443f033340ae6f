import { notFound, type ParsedEvent } from "@modelhooks/contracts";
import { workspaceExists } from "@modelhooks/identity";
import { emitEvent, type OutboxDeps, type RecordedEvent } from "./outbox.js";

/**
 * createEvent: an event from outside (a system admin's platform service), recorded in the outbox
 * before it is acknowledged and then enqueued. A repeat of a uuid in its workspace is accepted
 * and recorded once.
 */
export async function acceptEvent(deps: OutboxDeps, event: ParsedEvent): Promise<RecordedEvent> {
  if (!(await workspaceExists(deps.db, event.workspace_id))) throw notFound(`workspace ${event.workspace_id}`);
  const result = await emitEvent(deps, event, "api");
  deps.logger.info(result.created ? "event recorded" : "duplicate event ignored", { eventUuid: event.event_uuid });
  return result;
}

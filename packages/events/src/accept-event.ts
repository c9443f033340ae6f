import { notFound, type ParsedEvent } from "@modelhooks/contracts";
import { isForeignKeyViolation } from "@modelhooks/db";
import type { Logger } from "@modelhooks/observability";
import type { EventIntake } from "./event-intake.js";
import type { IngestionLimit } from "./ingestion-limit.js";
import type { RecordedEvent } from "./outbox.js";

export interface AcceptEventDeps {
  intake: EventIntake;
  /** Absent when EVENTS_PER_WORKSPACE_PER_SECOND is 0. */
  limit?: IngestionLimit;
  logger: Logger;
}

/**
 * createEvent: an event from outside (a system admin's platform service), recorded in the outbox
 * before it is acknowledged and then enqueued. A repeat of a uuid in its workspace is accepted
 * and recorded once. An unknown workspace is refused by the row's foreign key, not by a lookup first.
 * A workspace over its ingestion limit is refused (429) before anything is written.
 */
export async function acceptEvent(deps: AcceptEventDeps, event: ParsedEvent): Promise<RecordedEvent> {
  await deps.limit?.take(event.workspace_id);
  let result: RecordedEvent;
  try {
    result = await deps.intake.submit(event);
  } catch (error) {
    if (isForeignKeyViolation(error)) throw notFound(`workspace ${event.workspace_id}`);
    throw error;
  }
  if (deps.logger.isInfoEnabled())
    deps.logger.info(result.created ? "event recorded" : "duplicate event ignored", { eventUuid: event.event_uuid });
  return result;
}

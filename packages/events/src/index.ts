export {
  recordEvent,
  enqueueRecordedEvent,
  emitEvent,
  relayOutbox,
  PendingEvents,
  type OutboxDeps,
  type EventSource,
  type RecordedEvent,
} from "./outbox.js";
export { publishEvent } from "./publish-event.js";
export { makeEvent } from "./make-event.js";
export { acceptEvent, type AcceptEventDeps } from "./accept-event.js";
export { IngestionLimit, IngestionLimitedError, type IngestionLimitSettings } from "./ingestion-limit.js";
export { EventIntake, type EventIntakeDeps } from "./event-intake.js";
export { registeredModelIdOf, type EventToRecord } from "./model-of-event.js";

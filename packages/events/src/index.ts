export * from "./event-schema.js";
export { findUnstorable, MAX_JSON_DEPTH, type UnstorableValue } from "./storable-json.js";
export { recordEvent, enqueueRecordedEvent, emitEvent, relayOutbox, PendingEvents, type OutboxDeps, type EventSource } from "./outbox.js";
export { publishEvent } from "./publish-event.js";
export { makeEvent } from "./make-event.js";

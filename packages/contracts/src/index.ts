// The contracts: every Zod schema that validates what crosses a boundary (HTTP requests, queue
// payloads, event envelopes). A leaf package, free of Node and database imports, so the queue
// catalog, the API and the console share one definition without a cycle.
export * from "./event-schema.js";
export { findUnstorable, MAX_JSON_DEPTH, type UnstorableValue } from "./storable-json.js";
export * from "./common.js";
export * from "./custom-headers.js";
export * from "./event-service.js";
export * from "./admin.js";
export * from "./registry.js";
export * from "./domain-error.js";
export * from "./notifications.js";
export * from "./auth.js";
export * from "./answers.js";

export { SecretBox } from "./secret-box.js";
export { signPayload } from "./signing.js";
export { retryDelayMs, parseRetryAfter, JITTER, type BackoffSettings } from "./backoff.js";
export {
  addressVerdict,
  isForbiddenAddress,
  isForbiddenHost,
  literalAddress,
  guardedLookup,
  ForbiddenAddressError,
  type AddressVerdict,
} from "./address-guard.js";
export { WebhookTransport, type TransportSettings, type TransportResult, type OutgoingWebhook } from "./webhook-transport.js";
export { buildOutgoingRequest, type DeliveryEnvelope } from "./outgoing-request.js";
export { envelopeOf } from "./envelope.js";
export { RetryableDeliveryError, ThrottledDelivery } from "./delivery-errors.js";
export { DeliveryRateGate, RATE_SPACING_BASE_MS, type ScriptRunner } from "./delivery-rate-gate.js";
export { MATCHING_WEBHOOKS, countSubscribers, webhookMatches, type MatchableEvent } from "./matching.js";
export { fanOutEvent, type FanOutOptions, type FanOutProgress, type FanOutResult } from "./fan-out.js";
export { deliveryJob, deliveryJobName } from "./delivery-job.js";
export { deliverCall, type DeliveryDeps, type DeliveryOutcome } from "./deliver-call.js";
export { CallLedger } from "./call-ledger.js";
export { recoverOverdueCalls } from "./recover-calls.js";
export { createTransport, USER_AGENT } from "./create-transport.js";
export { webhookView, type WebhookWithRotation } from "./webhook-view.js";
export { recordWebhookHealth, type HealthSettings } from "./webhook-health.js";
export { InFlightLimiter } from "./in-flight-limiter.js";
export { DeliverySlots, type DeliverySlotLimits, type SlotLease } from "./delivery-slots.js";
export {
  createWebhook,
  updateWebhook,
  findWebhooks,
  deleteWebhooks,
  findVisibleWebhook,
  type WebhookAdminDeps,
} from "./manage-webhooks.js";
export {
  rotateWebhookSecret,
  eraseExpiredSecrets,
  generateSecret,
  MAX_PREVIOUS_SECRETS,
  type Rotation,
  type RotationDeps,
} from "./rotate-secret.js";
export { findWebhookCalls, retriggerWebhookCall, type RetriggerDeps } from "./call-log.js";
export { sendTestEvent, type TestEventDeps } from "./test-event.js";
export { webhookCallView, type CallWithAttempts } from "./webhook-call-view.js";
export { countCallsByStatus, webhookDeliveryStats } from "./call-stats.js";
export {
  recordCallFailure,
  describeFailure,
  isOperational,
  FAILURE_NOTIFICATION_INTERVAL_MS,
  type FailedCall,
  type CallFailureReaction,
} from "./call-failure.js";
export { findEvents, eventView, type CallCounts } from "./event-log.js";
export { requestRecovery, runRecovery, resumeRecoveries, type RecoveryDeps } from "./recover-failed-calls.js";
export {
  pruneDeliveryLog,
  NEXT_OLD_EVENTS,
  LOCK_EVENTS,
  DELETE_EVENTS,
  enforceRetention,
  type RetentionSettings,
  type RetentionFigures,
  type RetentionBatch,
  type RetentionOptions,
} from "./retention.js";

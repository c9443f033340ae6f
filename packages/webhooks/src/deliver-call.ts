import { UnrecoverableError } from "bullmq";
import type { Db } from "@modelhooks/db";
import { PendingEvents } from "@modelhooks/events";
import type { Logger, Metrics } from "@modelhooks/observability";
import type { JobQueues } from "@modelhooks/queues";
import { parseRetryAfter, retryDelayMs, type BackoffSettings } from "./backoff.js";
import { RetryableDeliveryError, ThrottledDelivery } from "./delivery-errors.js";
import type { DeliveryRateGate } from "./delivery-rate-gate.js";
import { envelopeOf } from "./envelope.js";
import { recordAttempts, type AttemptRecord, type CallContext, type CallLedger } from "./call-ledger.js";
import { buildOutgoingRequest } from "./outgoing-request.js";
import { maskHeaderValues, openHeaders } from "./custom-headers.js";
import type { SecretBox } from "./secret-box.js";
import { recordWebhookHealth, type HealthSettings } from "./webhook-health.js";
import { isOperational, recordCallFailure, type CallFailureReaction } from "./call-failure.js";
import type { TransportResult, WebhookTransport } from "./webhook-transport.js";

export interface DeliveryDeps {
  db: Db;
  /** Shared by every delivery of the process, so their writes are batched. */
  ledger: CallLedger;
  queues: JobQueues;
  transport: WebhookTransport;
  secretBox: SecretBox;
  /** Holds back deliveries of webhooks with max_deliveries_per_second; shared by all workers through Redis. */
  rateGate?: DeliveryRateGate;
  metrics?: Metrics;
  logger: Logger;
  settings: { maxAttempts: number; backoff: BackoffSettings; health: HealthSettings };
  /** What other packages change when a call fails for good (a promotion, a scan). */
  onCallFailed?: readonly CallFailureReaction[];
}

export type DeliveryOutcome = "success" | "retry" | "failure" | "skipped";

/**
 * One attempt of one call. The call row is the state (its attempt count, not bullmq's, decides
 * when to give up), so the handler is safe to re-run after a crash: a final call is left alone.
 * Throws RetryableDeliveryError to have bullmq retry, UnrecoverableError after the last attempt
 * (the call is already marked FAILURE then; the failed job stays in the dashboard), and
 * ThrottledDelivery, before anything is sent or counted, when the webhook's rate limit says wait.
 */
export async function deliverCall(deps: DeliveryDeps, callId: number): Promise<DeliveryOutcome> {
  const { settings } = deps;
  const call = await deps.ledger.claim(callId);
  if (!call) return "skipped"; // gone, or already final
  const attempt = call.attempts + 1;
  const log = deps.logger.child({ callId, eventUuid: call.uuid, webhookId: call.webhookId, attempt });

  // Read at every attempt: a retry after a rotation is signed with the new secret and the old one.
  const secret = call.encryptedSecret ? deps.secretBox.open(call.encryptedSecret) : null;
  const previousSecrets = call.encryptedPreviousSecrets.map((sealed) => deps.secretBox.open(sealed));
  const envelope = envelopeOf(call, call.workspaceName, { id: call.webhookId, name: call.webhookName }, false);
  const customHeaders = openHeaders(deps.secretBox, call.encryptedHeaders);
  const request = buildOutgoingRequest({ envelope, secret, previousSecrets, customHeaders, callId, attempt });
  // The request log keeps the custom headers' names, never their values.
  const recordAttempt = (result: TransportResult, status: AttemptRecord["status"], nextAttemptAt: Date | null) =>
    recordAttemptOf(deps, call, {
      callId: call.id,
      attemptNumber: attempt,
      result: withMaskedRequest(result, call.headerNames),
      requestBody: request.body,
      status,
      nextAttemptAt,
    });

  if (call.webhookStatus !== "ACTIVE") {
    await recordAttempt(refusal(`webhook is ${call.webhookStatus.toLowerCase()}`), "FAILURE", null);
    log.warn("call not delivered: webhook is not active");
    throw new UnrecoverableError("webhook is not active");
  }

  if (call.maxDeliveriesPerSecond !== null && deps.rateGate) {
    const waitMs = await deps.rateGate.acquire(call.webhookId, call.maxDeliveriesPerSecond, call.id);
    if (waitMs > 0) {
      await deps.ledger.release(call.id, attempt);
      throw new ThrottledDelivery(waitMs);
    }
  }

  const result = await deps.transport.send({ url: call.location, ...request });
  deps.metrics?.attemptDuration.observe(result.durationMs / 1000);

  if (result.statusCode >= 200 && result.statusCode < 300) {
    await recordAttempt(result, "SUCCESS", null);
    deps.metrics?.deliveries.inc({ outcome: "success" });
    log.info("delivered", { statusCode: result.statusCode, durationMs: result.durationMs });
    return "success";
  }

  const reason = result.error ?? `receiver answered ${result.statusCode}`;
  if (result.errorKind === "forbidden_address" || result.errorKind === "invalid_url" || attempt >= settings.maxAttempts) {
    await recordAttempt(result, "FAILURE", null);
    deps.metrics?.deliveries.inc({ outcome: result.errorKind === "forbidden_address" ? "refused" : "failure" });
    log.warn("delivery failed for good", { statusCode: result.statusCode, reason });
    throw new UnrecoverableError(reason);
  }

  const retryAfterMs = result.statusCode === 429 || result.statusCode === 503 ? parseRetryAfter(result.headers["retry-after"]) : undefined;
  const delayMs = retryDelayMs(attempt, settings.backoff, retryAfterMs);
  await recordAttempt(result, "IN_PROGRESS", new Date(Date.now() + delayMs));
  deps.metrics?.deliveries.inc({ outcome: "retry" });
  log.info("attempt failed, will retry", { statusCode: result.statusCode, reason, delayMs });
  throw new RetryableDeliveryError(reason, delayMs);
}

/** The attempt, the call's new state and the webhook's health, atomically. */
async function recordAttemptOf(deps: DeliveryDeps, call: CallContext, attempt: Omit<AttemptRecord, "startedAt">): Promise<void> {
  const record: AttemptRecord = { ...attempt, startedAt: new Date(Date.now() - attempt.result.durationMs) };
  const { result, status, attemptNumber } = record;
  // A refusal before sending (webhook not active) says nothing about the receiver's health.
  const healthChanges =
    !(result.statusCode === 0 && result.errorKind === undefined) && (status !== "SUCCESS" || call.consecutiveFailures > 0);
  if (!healthChanges && status !== "FAILURE") {
    await deps.ledger.record(record);
    return;
  }
  // The common failure (a receiver down or hanging) in the ledger's batch of its webhook; one that
  // would disable the webhook takes the full transaction below.
  if (status === "IN_PROGRESS" && (await deps.ledger.recordFailureToRetry(call.webhookId, record))) return;
  const events = new PendingEvents();
  const disabled = await deps.db.$transaction(async (tx) => {
    await recordAttempts(tx, [record]);
    // First: its row lock orders concurrent failures of one webhook, which the failure's notification relies on.
    const disabledNow = healthChanges
      ? await recordWebhookHealth(tx, { id: call.webhookId, consecutiveFailures: call.consecutiveFailures }, status === "SUCCESS", {
          settings: deps.settings.health,
          events,
          // A webhook disabled while failing to deliver an operational event is not announced by another one.
          announce: !isOperational(call.resourceType),
        })
      : undefined;
    if (status === "FAILURE") {
      const failed = { ...call, callId: call.id, eventUuid: call.uuid, attempts: attemptNumber, lastResult: result };
      await recordCallFailure(tx, failed, events, deps.onCallFailed ?? []);
    }
    return disabledNow;
  });
  if (disabled)
    deps.logger.warn("webhook disabled after failing continuously", { webhookId: call.webhookId, reason: disabled.disabledReason });
  await events.enqueue(deps, "service");
}

function withMaskedRequest(result: TransportResult, customHeaderNames: readonly string[]): TransportResult {
  if (!result.request || customHeaderNames.length === 0) return result;
  return { ...result, request: { ...result.request, headers: maskHeaderValues(result.request.headers, customHeaderNames) } };
}

function refusal(message: string): TransportResult {
  return { statusCode: 0, body: "", headers: {}, durationMs: 0, error: message };
}

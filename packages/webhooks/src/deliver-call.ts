import { UnrecoverableError } from "bullmq";
import type { Db, Webhook } from "@modelhooks/db";
import { PendingEvents } from "@modelhooks/events";
import type { Logger, Metrics } from "@modelhooks/observability";
import type { JobQueues } from "@modelhooks/queues";
import { parseRetryAfter, retryDelayMs, type BackoffSettings } from "./backoff.js";
import { RetryableDeliveryError } from "./delivery-errors.js";
import { envelopeOf } from "./envelope.js";
import { buildOutgoingRequest } from "./outgoing-request.js";
import type { SecretBox } from "./secret-box.js";
import { recordWebhookHealth, type HealthSettings } from "./webhook-health.js";
import type { TransportResult, WebhookTransport } from "./webhook-transport.js";

export interface DeliveryDeps {
  db: Db;
  queues: JobQueues;
  transport: WebhookTransport;
  secretBox: SecretBox;
  metrics?: Metrics;
  logger: Logger;
  settings: { maxAttempts: number; backoff: BackoffSettings; health: HealthSettings };
}

export type DeliveryOutcome = "success" | "retry" | "failure" | "skipped";

const FINAL = new Set(["SUCCESS", "FAILURE"]);

/**
 * One attempt of one call. The call row is the state (its attempt count, not bullmq's, decides
 * when to give up), so the handler is safe to re-run after a crash: a final call is left alone.
 * Throws RetryableDeliveryError to have bullmq retry, UnrecoverableError after the last attempt
 * (the call is already marked FAILURE then; the failed job stays in the dashboard).
 */
export async function deliverCall(deps: DeliveryDeps, callId: number): Promise<DeliveryOutcome> {
  const { db, settings } = deps;
  const call = await db.webhookCall.findUnique({
    where: { id: callId },
    include: { webhook: true, event: { include: { workspace: true } } },
  });
  if (!call || FINAL.has(call.status)) return "skipped";
  const attempt = call.attempts + 1;
  const log = deps.logger.child({ callId, eventUuid: call.event.uuid, webhookId: call.webhookId, attempt });

  if (call.webhook.status !== "ACTIVE") {
    await recordAttempt(deps, call.webhook, callId, attempt, refusal(`webhook is ${call.webhook.status.toLowerCase()}`), "FAILURE", null);
    log.warn("call not delivered: webhook is not active");
    throw new UnrecoverableError("webhook is not active");
  }

  if (call.status !== "IN_PROGRESS") await db.webhookCall.update({ where: { id: callId }, data: { status: "IN_PROGRESS" } });
  const secret = call.webhook.encryptedSecret ? deps.secretBox.open(call.webhook.encryptedSecret) : null;
  const request = buildOutgoingRequest({ envelope: envelopeOf(call.event, call.webhook, false), secret, callId, attempt });
  const result = await deps.transport.send({ url: call.webhook.location, ...request });
  deps.metrics?.attemptDuration.observe(result.durationMs / 1000);

  if (result.statusCode >= 200 && result.statusCode < 300) {
    await recordAttempt(deps, call.webhook, callId, attempt, result, "SUCCESS", null);
    deps.metrics?.deliveries.inc({ outcome: "success" });
    log.info("delivered", { statusCode: result.statusCode, durationMs: result.durationMs });
    return "success";
  }

  const reason = result.error ?? `receiver answered ${result.statusCode}`;
  if (result.errorKind === "forbidden_address" || result.errorKind === "invalid_url" || attempt >= settings.maxAttempts) {
    await recordAttempt(deps, call.webhook, callId, attempt, result, "FAILURE", null);
    deps.metrics?.deliveries.inc({ outcome: result.errorKind === "forbidden_address" ? "refused" : "failure" });
    log.warn("delivery failed for good", { statusCode: result.statusCode, reason });
    throw new UnrecoverableError(reason);
  }

  const retryAfterMs = result.statusCode === 429 || result.statusCode === 503 ? parseRetryAfter(result.headers["retry-after"]) : undefined;
  const delayMs = retryDelayMs(attempt, settings.backoff, retryAfterMs);
  await recordAttempt(deps, call.webhook, callId, attempt, result, "IN_PROGRESS", new Date(Date.now() + delayMs));
  deps.metrics?.deliveries.inc({ outcome: "retry" });
  log.info("attempt failed, will retry", { statusCode: result.statusCode, reason, delayMs });
  throw new RetryableDeliveryError(reason, delayMs);
}

/** The attempt, the call's new state and the webhook's health, in one transaction. */
async function recordAttempt(
  deps: DeliveryDeps,
  webhook: Webhook,
  callId: number,
  attemptNumber: number,
  result: TransportResult,
  status: "SUCCESS" | "FAILURE" | "IN_PROGRESS",
  nextAttemptAt: Date | null,
): Promise<void> {
  const startedAt = new Date(Date.now() - result.durationMs);
  const events = new PendingEvents();
  const disabled = await deps.db.$transaction(async (tx) => {
    // upsert: a worker killed after this write but before bullmq noticed re-runs the same attempt
    await tx.webhookCallAttempt.upsert({
      where: { callId_attemptNumber: { callId, attemptNumber } },
      create: { callId, attemptNumber, ...attemptColumns(result), startedAt },
      update: { ...attemptColumns(result), startedAt },
    });
    await tx.webhookCall.update({ where: { id: callId }, data: { status, attempts: attemptNumber, nextAttemptAt } });
    // A refusal before sending (webhook not active) says nothing about the receiver's health.
    if (result.statusCode === 0 && result.errorKind === undefined) return undefined;
    return recordWebhookHealth(tx, webhook, status === "SUCCESS", deps.settings.health, events);
  });
  if (disabled) {
    deps.logger.warn("webhook disabled after failing continuously", { webhookId: webhook.id, reason: disabled.disabledReason });
    await events.enqueue(deps, "service");
  }
}

function attemptColumns(result: TransportResult) {
  return {
    statusCode: result.statusCode,
    responseBody: result.body,
    responseHeaders: result.headers,
    durationMs: result.durationMs,
    error: result.error ?? null,
  };
}

function refusal(message: string): TransportResult {
  return { statusCode: 0, body: "", headers: {}, durationMs: 0, error: message };
}

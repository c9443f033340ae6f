import { UnrecoverableError } from "bullmq";
import type { Db } from "@modelhooks/db";
import type { Logger, Metrics } from "@modelhooks/observability";
import { parseRetryAfter, retryDelayMs, type BackoffSettings } from "./backoff.js";
import { RetryableDeliveryError } from "./delivery-errors.js";
import { buildOutgoingRequest } from "./outgoing-request.js";
import { envelopeOf } from "./envelope.js";
import type { SecretBox } from "./secret-box.js";
import type { TransportResult, WebhookTransport } from "./webhook-transport.js";

export interface DeliveryDeps {
  db: Db;
  transport: WebhookTransport;
  secretBox: SecretBox;
  metrics?: Metrics;
  logger: Logger;
  settings: { maxAttempts: number; backoff: BackoffSettings };
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
    await recordAttempt(db, callId, attempt, refusal(`webhook is ${call.webhook.status.toLowerCase()}`), "FAILURE", null);
    log.warn("call not delivered: webhook is not active");
    throw new UnrecoverableError("webhook is not active");
  }

  await db.webhookCall.update({ where: { id: callId }, data: { status: "IN_PROGRESS" } });
  const secret = call.webhook.encryptedSecret ? deps.secretBox.open(call.webhook.encryptedSecret) : null;
  const request = buildOutgoingRequest({ envelope: envelopeOf(call.event, call.webhook, false), secret, callId, attempt });
  const result = await deps.transport.send({ url: call.webhook.location, ...request });
  deps.metrics?.attemptDuration.observe(result.durationMs / 1000);

  if (result.statusCode >= 200 && result.statusCode < 300) {
    await recordAttempt(db, callId, attempt, result, "SUCCESS", null);
    deps.metrics?.deliveries.inc({ outcome: "success" });
    log.info("delivered", { statusCode: result.statusCode, durationMs: result.durationMs });
    return "success";
  }

  const reason = result.error ?? `receiver answered ${result.statusCode}`;
  if (result.errorKind === "forbidden_address" || result.errorKind === "invalid_url" || attempt >= settings.maxAttempts) {
    await recordAttempt(db, callId, attempt, result, "FAILURE", null);
    deps.metrics?.deliveries.inc({ outcome: result.errorKind === "forbidden_address" ? "refused" : "failure" });
    log.warn("delivery failed for good", { statusCode: result.statusCode, reason });
    throw new UnrecoverableError(reason);
  }

  const retryAfterMs = result.statusCode === 429 || result.statusCode === 503 ? parseRetryAfter(result.headers["retry-after"]) : undefined;
  const delayMs = retryDelayMs(attempt, settings.backoff, retryAfterMs);
  await recordAttempt(db, callId, attempt, result, "IN_PROGRESS", new Date(Date.now() + delayMs));
  deps.metrics?.deliveries.inc({ outcome: "retry" });
  log.info("attempt failed, will retry", { statusCode: result.statusCode, reason, delayMs });
  throw new RetryableDeliveryError(reason, delayMs);
}

async function recordAttempt(
  db: Db,
  callId: number,
  attemptNumber: number,
  result: TransportResult,
  status: "SUCCESS" | "FAILURE" | "IN_PROGRESS",
  nextAttemptAt: Date | null,
): Promise<void> {
  const startedAt = new Date(Date.now() - result.durationMs);
  await db.$transaction([
    // upsert: a worker killed after this write but before bullmq noticed re-runs the same attempt
    db.webhookCallAttempt.upsert({
      where: { callId_attemptNumber: { callId, attemptNumber } },
      create: { callId, attemptNumber, ...attemptColumns(result), startedAt },
      update: { ...attemptColumns(result), startedAt },
    }),
    db.webhookCall.update({ where: { id: callId }, data: { status, attempts: attemptNumber, nextAttemptAt } }),
  ]);
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

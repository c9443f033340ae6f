import { UnrecoverableError } from "bullmq";
import type { CallStatus, Db, Event, EventType, ResourceType, WebhookStatus } from "@modelhooks/db";
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

/** Everything one attempt needs, read in the same statement that marks the call IN_PROGRESS. */
interface CallContext {
  id: number;
  attempts: number;
  webhookId: number;
  webhookName: string;
  location: string;
  encryptedSecret: string | null;
  webhookStatus: WebhookStatus;
  consecutiveFailures: number;
  uuid: string;
  eventType: EventType;
  resourceType: ResourceType;
  timestamp: Date;
  payload: Event["payload"];
  workspaceId: number;
  workspaceName: string;
}

/**
 * One attempt of one call. The call row is the state (its attempt count, not bullmq's, decides
 * when to give up), so the handler is safe to re-run after a crash: a final call is left alone.
 * Throws RetryableDeliveryError to have bullmq retry, UnrecoverableError after the last attempt
 * (the call is already marked FAILURE then; the failed job stays in the dashboard).
 */
export async function deliverCall(deps: DeliveryDeps, callId: number): Promise<DeliveryOutcome> {
  const { settings } = deps;
  const call = await loadAndMark(deps.db, callId);
  if (!call) return "skipped"; // gone, or already final
  const attempt = call.attempts + 1;
  const log = deps.logger.child({ callId, eventUuid: call.uuid, webhookId: call.webhookId, attempt });

  if (call.webhookStatus !== "ACTIVE") {
    await recordAttempt(deps, call, attempt, refusal(`webhook is ${call.webhookStatus.toLowerCase()}`), "FAILURE", null);
    log.warn("call not delivered: webhook is not active");
    throw new UnrecoverableError("webhook is not active");
  }

  const secret = call.encryptedSecret ? deps.secretBox.open(call.encryptedSecret) : null;
  const envelope = envelopeOf(call, call.workspaceName, { id: call.webhookId, name: call.webhookName }, false);
  const request = buildOutgoingRequest({ envelope, secret, callId, attempt });
  const result = await deps.transport.send({ url: call.location, ...request });
  deps.metrics?.attemptDuration.observe(result.durationMs / 1000);

  if (result.statusCode >= 200 && result.statusCode < 300) {
    await recordAttempt(deps, call, attempt, result, "SUCCESS", null);
    deps.metrics?.deliveries.inc({ outcome: "success" });
    log.info("delivered", { statusCode: result.statusCode, durationMs: result.durationMs });
    return "success";
  }

  const reason = result.error ?? `receiver answered ${result.statusCode}`;
  if (result.errorKind === "forbidden_address" || result.errorKind === "invalid_url" || attempt >= settings.maxAttempts) {
    await recordAttempt(deps, call, attempt, result, "FAILURE", null);
    deps.metrics?.deliveries.inc({ outcome: result.errorKind === "forbidden_address" ? "refused" : "failure" });
    log.warn("delivery failed for good", { statusCode: result.statusCode, reason });
    throw new UnrecoverableError(reason);
  }

  const retryAfterMs = result.statusCode === 429 || result.statusCode === 503 ? parseRetryAfter(result.headers["retry-after"]) : undefined;
  const delayMs = retryDelayMs(attempt, settings.backoff, retryAfterMs);
  await recordAttempt(deps, call, attempt, result, "IN_PROGRESS", new Date(Date.now() + delayMs));
  deps.metrics?.deliveries.inc({ outcome: "retry" });
  log.info("attempt failed, will retry", { statusCode: result.statusCode, reason, delayMs });
  throw new RetryableDeliveryError(reason, delayMs);
}

// Timestamps are stored as UTC in `timestamp` columns, as Prisma does.
const UTC_NOW = "(now() AT TIME ZONE 'UTC')";

/**
 * Marks the call IN_PROGRESS unless it is final, and reads its webhook, event and workspace: one
 * round trip on the hottest path (Prisma's nested include would take five; see docs/performance.md).
 */
async function loadAndMark(db: Db, callId: number): Promise<CallContext | undefined> {
  const rows = await db.$queryRawUnsafe<CallContext[]>(
    `WITH c AS (
       UPDATE webhook_calls SET status = 'IN_PROGRESS', updated_at = ${UTC_NOW}
       WHERE id = $1 AND status IN ('UNKNOWN', 'IN_PROGRESS')
       RETURNING id, attempts, webhook_id, event_id)
     SELECT c.id, c.attempts, w.id AS "webhookId", w.name AS "webhookName", w.location, w.encrypted_secret AS "encryptedSecret",
            w.status::text AS "webhookStatus", w.consecutive_failures AS "consecutiveFailures", e.uuid, e.event_type::text AS "eventType",
            e.resource_type::text AS "resourceType", e.timestamp, e.payload, e.workspace_id AS "workspaceId", ws.name AS "workspaceName"
     FROM c JOIN webhooks w ON w.id = c.webhook_id JOIN events e ON e.id = c.event_id JOIN workspaces ws ON ws.id = e.workspace_id`,
    callId,
  );
  return rows[0];
}

/** The attempt, the call's new state and the webhook's health, atomically. */
async function recordAttempt(
  deps: DeliveryDeps,
  call: CallContext,
  attemptNumber: number,
  result: TransportResult,
  status: Extract<CallStatus, "SUCCESS" | "FAILURE" | "IN_PROGRESS">,
  nextAttemptAt: Date | null,
): Promise<void> {
  const startedAt = new Date(Date.now() - result.durationMs);
  // A refusal before sending (webhook not active) says nothing about the receiver's health.
  const healthChanges = !(result.statusCode === 0 && result.errorKind === undefined) && (status !== "SUCCESS" || call.consecutiveFailures > 0);
  if (!healthChanges) {
    await writeAttempt(deps.db, call.id, attemptNumber, result, startedAt, status, nextAttemptAt);
    return;
  }
  const events = new PendingEvents();
  const disabled = await deps.db.$transaction(async (tx) => {
    await writeAttempt(tx, call.id, attemptNumber, result, startedAt, status, nextAttemptAt);
    return recordWebhookHealth(tx, { id: call.webhookId, consecutiveFailures: call.consecutiveFailures }, status === "SUCCESS", deps.settings.health, events);
  });
  if (disabled) {
    deps.logger.warn("webhook disabled after failing continuously", { webhookId: call.webhookId, reason: disabled.disabledReason });
    await events.enqueue(deps, "service");
  }
}

/**
 * One statement, so atomic without BEGIN/COMMIT. The attempt is an upsert: a worker killed after
 * this write but before bullmq noticed re-runs the same attempt number.
 */
async function writeAttempt(
  db: Pick<Db, "$executeRawUnsafe">,
  callId: number,
  attemptNumber: number,
  result: TransportResult,
  startedAt: Date,
  status: CallStatus,
  nextAttemptAt: Date | null,
): Promise<void> {
  await db.$executeRawUnsafe(
    `WITH attempt AS (
       INSERT INTO webhook_call_attempts (call_id, attempt_number, status_code, response_body, response_headers, duration_ms, error, started_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8::timestamptz AT TIME ZONE 'UTC')
       ON CONFLICT (call_id, attempt_number) DO UPDATE
         SET status_code = EXCLUDED.status_code, response_body = EXCLUDED.response_body, response_headers = EXCLUDED.response_headers,
             duration_ms = EXCLUDED.duration_ms, error = EXCLUDED.error, started_at = EXCLUDED.started_at)
     UPDATE webhook_calls SET status = $9::"CallStatus", attempts = $2, next_attempt_at = $10::timestamptz AT TIME ZONE 'UTC', updated_at = ${UTC_NOW}
     WHERE id = $1`,
    callId,
    attemptNumber,
    result.statusCode,
    result.body,
    JSON.stringify(result.headers),
    result.durationMs,
    result.error ?? null,
    startedAt.toISOString(),
    status,
    nextAttemptAt?.toISOString() ?? null,
  );
}

function refusal(message: string): TransportResult {
  return { statusCode: 0, body: "", headers: {}, durationMs: 0, error: message };
}

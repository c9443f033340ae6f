import type { CallStatus, Db, Event, EventType, ResourceType, WebhookStatus } from "@modelhooks/db";
import { directExecute, directQuery, directTransaction, GroupCommit, isDataError, Prisma } from "@modelhooks/db";
import { COUNT_FAILURE, reachesDisable, type CountedFailure, type HealthSettings } from "./webhook-health.js";
import type { TransportResult } from "./webhook-transport.js";

/** Thrown inside a failures' transaction to roll it back: the count would disable the webhook. */
class DisablesWebhook extends Error {}

/** Everything one attempt needs, read in the same statement that marks the call IN_PROGRESS. */
export interface CallContext {
  id: number;
  attempts: number;
  eventId: number;
  webhookId: number;
  webhookName: string;
  location: string;
  encryptedSecret: string | null;
  /** Rotated-out secrets still in their overlap, newest first. */
  encryptedPreviousSecrets: string[];
  headerNames: string[];
  encryptedHeaders: string | null;
  webhookStatus: WebhookStatus;
  maxDeliveriesPerSecond: number | null;
  consecutiveFailures: number;
  uuid: string;
  eventType: EventType;
  resourceType: ResourceType;
  timestamp: Date;
  payload: Event["payload"];
  workspaceId: number;
  workspaceName: string;
}

export interface AttemptRecord {
  callId: number;
  attemptNumber: number;
  result: TransportResult;
  /** The body sent (kept once per call: every attempt of a call sends the same). */
  requestBody: string;
  startedAt: Date;
  status: Extract<CallStatus, "SUCCESS" | "FAILURE" | "IN_PROGRESS">;
  nextAttemptAt: Date | null;
}

// The claim takes the attempt's number (attempts + 1) before anything is sent, so a number goes
// out at most once: an attempt cut off by a crash leaves a gap in the log, and the re-run sends the
// next number instead of the same one twice (docs/reliability.md). `attempts` is returned as it was.
export const CLAIM_CALLS = (callIds: number[]) => Prisma.sql`
  WITH c AS (
    UPDATE webhook_calls SET status = 'IN_PROGRESS', attempts = attempts + 1, updated_at = now()
    WHERE id = ANY(${callIds}::int[]) AND status IN ('UNKNOWN', 'IN_PROGRESS')
    RETURNING id, attempts - 1 AS attempts, webhook_id, event_id)
  SELECT c.id, c.attempts, c.event_id AS "eventId", w.id AS "webhookId", w.name AS "webhookName", w.location, w.encrypted_secret AS "encryptedSecret",
         ARRAY(SELECT p.encrypted_secret FROM webhook_previous_secrets p WHERE p.webhook_id = w.id AND p.expires_at > now()
               ORDER BY p.expires_at DESC) AS "encryptedPreviousSecrets",
         COALESCE(w.header_names, '{}') AS "headerNames", w.encrypted_headers AS "encryptedHeaders",
         w.status::text AS "webhookStatus", w.max_deliveries_per_second AS "maxDeliveriesPerSecond", w.consecutive_failures AS "consecutiveFailures", e.uuid, e.event_type::text AS "eventType",
         e.resource_type::text AS "resourceType", e.timestamp, e.payload, e.workspace_id AS "workspaceId", ws.name AS "workspaceName"
  FROM c JOIN webhooks w ON w.id = c.webhook_id JOIN events e ON e.id = c.event_id JOIN workspaces ws ON ws.id = e.workspace_id`;

// A claim whose attempt was never sent (the webhook's rate limit said wait) gives its number back,
// so a throttled delivery is not counted as an attempt. Only this job holds the call meanwhile.
export const RELEASE_CLAIM = (callId: number, claimedAttempt: number) =>
  Prisma.sql`UPDATE webhook_calls SET attempts = attempts - 1 WHERE id = ${callId} AND attempts = ${claimedAttempt}`;

// One statement, so atomic without BEGIN/COMMIT. The attempt is an upsert: a worker killed after
// this write but before bullmq noticed re-runs the same attempt number.
export const RECORD_ATTEMPTS = (attempts: AttemptRecord[]) => Prisma.sql`
  WITH input AS (
    SELECT * FROM unnest(
      ${attempts.map((a) => a.callId)}::int[], ${attempts.map((a) => a.attemptNumber)}::int[], ${attempts.map((a) => a.result.statusCode)}::int[],
      ${attempts.map((a) => a.result.body)}::text[], ${attempts.map((a) => JSON.stringify(a.result.headers))}::text[],
      ${attempts.map((a) => a.result.durationMs)}::int[], ${attempts.map((a) => a.result.error ?? null)}::text[],
      ${attempts.map((a) => a.startedAt)}::timestamptz[], ${attempts.map((a) => a.status)}::text[],
      ${attempts.map((a) => a.nextAttemptAt)}::timestamptz[], ${attempts.map((a) => a.result.request?.url ?? null)}::text[],
      ${attempts.map((a) => (a.result.request ? JSON.stringify(a.result.request.headers) : null))}::text[], ${attempts.map((a) => a.requestBody)}::text[])
      AS t(call_id, attempt_number, status_code, response_body, response_headers, duration_ms, error, started_at, status, next_attempt_at,
           request_url, request_headers, request_body)),
  attempt AS (
    INSERT INTO webhook_call_attempts (call_id, attempt_number, status_code, response_body, response_headers, duration_ms, error, started_at,
                                       request_url, request_headers)
    SELECT call_id, attempt_number, status_code, response_body, response_headers::jsonb, duration_ms, error, started_at,
           request_url, request_headers::jsonb
    FROM input
    ON CONFLICT (call_id, attempt_number) DO UPDATE
      SET status_code = EXCLUDED.status_code, response_body = EXCLUDED.response_body, response_headers = EXCLUDED.response_headers,
          duration_ms = EXCLUDED.duration_ms, error = EXCLUDED.error, started_at = EXCLUDED.started_at,
          request_url = EXCLUDED.request_url, request_headers = EXCLUDED.request_headers)
  UPDATE webhook_calls c
  SET status = latest.status::"CallStatus", attempts = latest.attempt_number,
      next_attempt_at = latest.next_attempt_at, updated_at = now(), request_body = COALESCE(c.request_body, latest.request_body)
  -- Two attempts of one call in a batch (a stalled job re-run beside the first run): the later decides.
  FROM (SELECT DISTINCT ON (call_id) * FROM input ORDER BY call_id, attempt_number DESC) latest
  WHERE c.id = latest.call_id`;

// Two batches in flight keep a second connection busy while the next batch gathers.
const BATCHING = { maxConcurrentBatches: 2, maxBatchSize: 100, retryAlone: isDataError };

/**
 * The delivery hot path's two writes, each shared by every delivery in flight in this process:
 * claiming a call (mark IN_PROGRESS unless final, and read what the attempt needs) and recording
 * an attempt with the call's new state. One statement per batch instead of one per delivery; see
 * docs/performance.md for what that saves.
 */
export class CallLedger {
  private readonly claims: GroupCommit<number, CallContext | undefined>;
  private readonly records: GroupCommit<AttemptRecord, void>;
  private readonly failures = new Map<number, GroupCommit<AttemptRecord, boolean>>();

  constructor(
    private readonly db: Db,
    /** When a webhook's run of failures disables it (WEBHOOK_DISABLE_*). */
    private readonly health: HealthSettings,
  ) {
    this.claims = new GroupCommit((callIds) => this.claimAll(callIds), BATCHING);
    this.records = new GroupCommit<AttemptRecord, void>(async (attempts) => {
      await directExecute(this.db, RECORD_ATTEMPTS(attempts));
      return attempts.map(() => undefined);
    }, BATCHING);
  }

  /** The call's context, now IN_PROGRESS; undefined when it is final or gone. */
  claim(callId: number): Promise<CallContext | undefined> {
    return this.claims.submit(callId);
  }

  /** Undoes a claim whose attempt was not sent. */
  async release(callId: number, claimedAttempt: number): Promise<void> {
    await directExecute(this.db, RELEASE_CLAIM(callId, claimedAttempt));
  }

  record(attempt: AttemptRecord): Promise<void> {
    return this.records.submit(attempt);
  }

  /**
   * A failed attempt to retry, recorded with the count of its webhook's failures, unless the count
   * reaches the webhook's disabling: false then, with nothing written (the caller's full
   * transaction records it). The failures of one webhook go in one short transaction of plain
   * statements, one batch at a time: a hanging receiver's twenty deliveries time out together, and
   * twenty transactions each waiting on the webhook's row held twenty of the pool's connections.
   */
  recordFailureToRetry(webhookId: number, attempt: AttemptRecord): Promise<boolean> {
    let batches = this.failures.get(webhookId);
    if (!batches) {
      batches = new GroupCommit((attempts) => this.recordFailures(webhookId, attempts), { ...BATCHING, maxConcurrentBatches: 1 });
      this.failures.set(webhookId, batches);
    }
    return batches.submit(attempt);
  }

  private async recordFailures(webhookId: number, attempts: AttemptRecord[]): Promise<boolean[]> {
    try {
      await directTransaction(this.db, async (tx) => {
        await tx.query(RECORD_ATTEMPTS(attempts));
        const [counted] = await tx.query<CountedFailure>(COUNT_FAILURE(webhookId, attempts.length));
        if (counted && reachesDisable(counted, this.health)) throw new DisablesWebhook();
      });
      return attempts.map(() => true);
    } catch (error) {
      if (error instanceof DisablesWebhook) return attempts.map(() => false);
      throw error;
    }
  }

  private async claimAll(callIds: number[]): Promise<Array<CallContext | undefined>> {
    const rows = await directQuery<CallContext>(this.db, CLAIM_CALLS(callIds));
    const byId = new Map(rows.map((row) => [row.id, row]));
    return callIds.map((id) => byId.get(id));
  }
}

/** Inside a transaction, when the webhook's health changes with the attempt (the ledger's batches go through directExecute). */
export async function recordAttempts(db: Pick<Db, "$executeRaw">, attempts: AttemptRecord[]): Promise<void> {
  await db.$executeRaw(RECORD_ATTEMPTS(attempts));
}

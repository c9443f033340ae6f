import type { CallStatus, Db, Event, EventType, ResourceType, WebhookStatus } from "@modelhooks/db";
import { GroupCommit, isDataError, SQL_UTC_NOW, sqlUtcTimestamp } from "@modelhooks/db";
import type { TransportResult } from "./webhook-transport.js";

/** Everything one attempt needs, read in the same statement that marks the call IN_PROGRESS. */
export interface CallContext {
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

export interface AttemptRecord {
  callId: number;
  attemptNumber: number;
  result: TransportResult;
  startedAt: Date;
  status: Extract<CallStatus, "SUCCESS" | "FAILURE" | "IN_PROGRESS">;
  nextAttemptAt: Date | null;
}

const CLAIM_CALLS = `
  WITH c AS (
    UPDATE webhook_calls SET status = 'IN_PROGRESS', updated_at = ${SQL_UTC_NOW}
    WHERE id = ANY($1::int[]) AND status IN ('UNKNOWN', 'IN_PROGRESS')
    RETURNING id, attempts, webhook_id, event_id)
  SELECT c.id, c.attempts, w.id AS "webhookId", w.name AS "webhookName", w.location, w.encrypted_secret AS "encryptedSecret",
         w.status::text AS "webhookStatus", w.consecutive_failures AS "consecutiveFailures", e.uuid, e.event_type::text AS "eventType",
         e.resource_type::text AS "resourceType", e.timestamp, e.payload, e.workspace_id AS "workspaceId", ws.name AS "workspaceName"
  FROM c JOIN webhooks w ON w.id = c.webhook_id JOIN events e ON e.id = c.event_id JOIN workspaces ws ON ws.id = e.workspace_id`;

// One statement, so atomic without BEGIN/COMMIT. The attempt is an upsert: a worker killed after
// this write but before bullmq noticed re-runs the same attempt number.
const RECORD_ATTEMPTS = `
  WITH input AS (
    SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[])
      AS t(call_id, attempt_number, status_code, response_body, response_headers, duration_ms, error, started_at, status, next_attempt_at)),
  attempt AS (
    INSERT INTO webhook_call_attempts (call_id, attempt_number, status_code, response_body, response_headers, duration_ms, error, started_at)
    SELECT call_id, attempt_number, status_code, response_body, response_headers::jsonb, duration_ms, error, ${sqlUtcTimestamp("started_at")}
    FROM input
    ON CONFLICT (call_id, attempt_number) DO UPDATE
      SET status_code = EXCLUDED.status_code, response_body = EXCLUDED.response_body, response_headers = EXCLUDED.response_headers,
          duration_ms = EXCLUDED.duration_ms, error = EXCLUDED.error, started_at = EXCLUDED.started_at)
  UPDATE webhook_calls c
  SET status = latest.status::"CallStatus", attempts = latest.attempt_number,
      next_attempt_at = ${sqlUtcTimestamp("latest.next_attempt_at")}, updated_at = ${SQL_UTC_NOW}
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

  constructor(private readonly db: Db) {
    this.claims = new GroupCommit((callIds) => this.claimAll(callIds), BATCHING);
    this.records = new GroupCommit<AttemptRecord, void>(async (attempts) => {
      await recordAttempts(this.db, attempts);
      return attempts.map(() => undefined);
    }, BATCHING);
  }

  /** The call's context, now IN_PROGRESS; undefined when it is final or gone. */
  claim(callId: number): Promise<CallContext | undefined> {
    return this.claims.submit(callId);
  }

  record(attempt: AttemptRecord): Promise<void> {
    return this.records.submit(attempt);
  }

  private async claimAll(callIds: number[]): Promise<Array<CallContext | undefined>> {
    const rows = await this.db.$queryRawUnsafe<CallContext[]>(CLAIM_CALLS, callIds);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return callIds.map((id) => byId.get(id));
  }
}

/** Also used directly inside a transaction, when the webhook's health changes with the attempt. */
export async function recordAttempts(db: Pick<Db, "$executeRawUnsafe">, attempts: AttemptRecord[]): Promise<void> {
  await db.$executeRawUnsafe(
    RECORD_ATTEMPTS,
    attempts.map((a) => a.callId),
    attempts.map((a) => a.attemptNumber),
    attempts.map((a) => a.result.statusCode),
    attempts.map((a) => a.result.body),
    attempts.map((a) => JSON.stringify(a.result.headers)),
    attempts.map((a) => a.result.durationMs),
    attempts.map((a) => a.result.error ?? null),
    attempts.map((a) => a.startedAt.toISOString()),
    attempts.map((a) => a.status),
    attempts.map((a) => a.nextAttemptAt?.toISOString() ?? null),
  );
}

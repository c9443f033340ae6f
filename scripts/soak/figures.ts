// The soak's figures, from what was sent, what PostgreSQL recorded and what the receivers got.
import type pg from "pg";
import { totalUnfinished, UNFINISHED_WORK_SQL, type UnfinishedWork } from "../lib/unfinished-work.js";
import type { SentEvent } from "./load.js";
import type { Behaviour, Receipt } from "./receivers.js";
import { phaseAt, type PhaseName, type Timeline } from "./timeline.js";

export interface SoakWebhook {
  id: number;
  name: string;
  behaviour: Behaviour;
  /** When createWebhook answered: every event sent from then on must get a call to it. */
  createdAt: number;
}

export interface CallRow {
  webhookId: number;
  eventUuid: string;
  status: string;
  attempts: number;
}

export interface AttemptStats {
  webhookId: number;
  attempts: number;
  maxDurationMs: number;
}

/** Failed attempts that got no HTTP answer (timeouts, connection errors), by webhook and error. */
export interface NoAnswer {
  webhookId: number;
  error: string;
  count: number;
}

export interface Snapshot {
  /** Event uuids recorded, and whether each was fanned out. */
  events: Map<string, boolean>;
  calls: CallRow[];
  attempts: AttemptStats[];
  noAnswers: NoAnswer[];
}

/** What PostgreSQL holds for the soak (fan-out calls only: the soak retriggers nothing). */
export async function readSnapshot(client: pg.Client): Promise<Snapshot> {
  const events = await client.query<{ uuid: string; fanned: boolean }>(`SELECT uuid, fanned_out_at IS NOT NULL AS fanned FROM events`);
  const calls = await client.query<{ webhook_id: number; uuid: string; status: string; attempts: number }>(
    `SELECT c.webhook_id, e.uuid, c.status::text AS status, c.attempts FROM webhook_calls c JOIN events e ON e.id = c.event_id WHERE c.retrigger_of_id IS NULL`,
  );
  const attempts = await client.query<{ webhook_id: number; attempts: string; max_duration_ms: number }>(
    `SELECT c.webhook_id, count(*) AS attempts, max(a.duration_ms) AS max_duration_ms
       FROM webhook_call_attempts a JOIN webhook_calls c ON c.id = a.call_id GROUP BY c.webhook_id`,
  );
  const noAnswers = await client.query<{ webhook_id: number; error: string | null; count: string }>(
    `SELECT c.webhook_id, a.error, count(*) AS count
       FROM webhook_call_attempts a JOIN webhook_calls c ON c.id = a.call_id
      WHERE a.status_code = 0 GROUP BY c.webhook_id, a.error ORDER BY count(*) DESC`,
  );
  return {
    events: new Map(events.rows.map((row) => [row.uuid, row.fanned])),
    calls: calls.rows.map((row) => ({ webhookId: row.webhook_id, eventUuid: row.uuid, status: row.status, attempts: row.attempts })),
    attempts: attempts.rows.map((row) => ({
      webhookId: row.webhook_id,
      attempts: Number(row.attempts),
      maxDurationMs: row.max_duration_ms,
    })),
    noAnswers: noAnswers.rows.map((row) => ({ webhookId: row.webhook_id, error: row.error ?? "(none)", count: Number(row.count) })),
  };
}

/** Events not fanned out and calls not final (scripts/lib/unfinished-work.ts): what the drain waits for. */
export async function unfinished(client: pg.Client): Promise<number> {
  const { rows } = await client.query<UnfinishedWork>(UNFINISHED_WORK_SQL);
  return totalUnfinished(rows[0]);
}

export interface Latency {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ReceiverFigures {
  name: string;
  behaviour: Behaviour;
  expected: number;
  calls: number;
  success: number;
  failure: number;
  stuck: number;
  requests: number;
  attempts: number;
  maxAttemptMs: number;
  duplicates: number;
  /** Attempts that got no HTTP answer (for the hanging receiver: its timeouts), with the commonest error. */
  noAnswer: number;
  noAnswerErrors: string[];
  /** Calls to a receiver that answers 2xx eventually, failed because it refused every attempt. */
  exhausted: number;
}

export interface Figures {
  eventsSent: number;
  eventsAccepted: number;
  eventsNotAccepted: number;
  notAcceptedReasons: string[];
  eventsRecorded: number;
  callsExpected: number;
  callsCreated: number;
  /** Calls of events the platform emitted itself: each call ending FAILURE announces itself (UPDATE / WEBHOOK_CALL) to all-events webhooks. */
  callsOfPlatformEvents: number;
  success: number;
  failure: number;
  stuck: number;
  lost: number;
  lostDetail: { eventsNotRecorded: number; callsMissing: number; successWithoutDelivery: number; failedWithoutCause: number };
  exhausted: number;
  duplicates: number;
  maxAttemptMs: number;
  maxAttemptMsExcludingHanging: number;
  /** Acceptance → first request at a healthy receiver (any answer), per phase of the load. */
  firstReceipt: Record<Exclude<PhaseName, "warm-up">, Latency> & { all: Latency };
  /** Acceptance → the request a healthy receiver accepted with 2xx (retries included). */
  delivered: Latency;
  isolationRatio: number;
  receivers: ReceiverFigures[];
  examples: string[];
}

export function latency(values: number[]): Latency {
  if (values.length === 0) return { samples: 0, p50: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { samples: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1]! };
}

interface ReceiptsOfEvent {
  requests: number;
  accepted: number;
  refused: number;
  firstAt: number;
  firstAcceptedAt?: number;
}

function indexReceipts(receipts: Receipt[]): Map<string, ReceiptsOfEvent> {
  const byEvent = new Map<string, ReceiptsOfEvent>();
  for (const receipt of receipts) {
    const seen = byEvent.get(receipt.eventUuid) ?? { requests: 0, accepted: 0, refused: 0, firstAt: receipt.receivedAt };
    seen.requests += 1;
    if (receipt.status !== null && receipt.status < 300) {
      seen.accepted += 1;
      seen.firstAcceptedAt ??= receipt.receivedAt;
    } else if (receipt.status !== null) {
      seen.refused += 1;
    }
    byEvent.set(receipt.eventUuid, seen);
  }
  return byEvent;
}

export interface FigureInput {
  sent: SentEvent[];
  webhooks: SoakWebhook[];
  receipts: Map<string, Receipt[]>;
  snapshot: Snapshot;
  timeline: Timeline;
  loadStartedAt: number;
  maxAttempts: number;
}

export function computeFigures(input: FigureInput): Figures {
  const { sent, webhooks, snapshot, timeline, loadStartedAt, maxAttempts } = input;
  const accepted = sent.filter((event) => event.acceptedAt !== undefined);
  const sentUuids = new Set(sent.map((event) => event.uuid));
  const notAccepted = sent.filter((event) => event.acceptedAt === undefined);
  const calls = new Map(snapshot.calls.map((call) => [`${call.webhookId} ${call.eventUuid}`, call]));
  const attemptsOf = new Map(snapshot.attempts.map((row) => [row.webhookId, row]));
  const examples: string[] = [];
  const example = (line: string) => void (examples.length < 20 && examples.push(line));

  const eventsNotRecorded = accepted.filter((event) => !snapshot.events.has(event.uuid));
  for (const event of eventsNotRecorded) example(`accepted but not recorded: ${event.uuid}`);
  let callsExpected = 0;
  let callsMissing = 0;
  let successWithoutDelivery = 0;
  let failedWithoutCause = 0;
  const phases = { baseline: [] as number[], isolation: [] as number[], chaos: [] as number[] };
  const allFirst: number[] = [];
  const delivered: number[] = [];
  const receivers: ReceiverFigures[] = [];

  for (const webhook of webhooks) {
    const receipts = indexReceipts(input.receipts.get(webhook.name) ?? []);
    const ownCalls = snapshot.calls.filter((call) => call.webhookId === webhook.id);
    const healthy = webhook.behaviour === "ok" || webhook.behaviour === "flaky";
    const figures: ReceiverFigures = {
      name: webhook.name,
      behaviour: webhook.behaviour,
      expected: 0,
      calls: ownCalls.length,
      success: ownCalls.filter((call) => call.status === "SUCCESS").length,
      failure: ownCalls.filter((call) => call.status === "FAILURE").length,
      stuck: ownCalls.filter((call) => call.status !== "SUCCESS" && call.status !== "FAILURE").length,
      requests: [...receipts.values()].reduce((sum, seen) => sum + seen.requests, 0),
      attempts: attemptsOf.get(webhook.id)?.attempts ?? 0,
      maxAttemptMs: attemptsOf.get(webhook.id)?.maxDurationMs ?? 0,
      duplicates: [...receipts.values()].reduce((sum, seen) => sum + Math.max(0, seen.accepted - 1), 0),
      noAnswer: 0,
      noAnswerErrors: [],
      exhausted: 0,
    };
    for (const row of snapshot.noAnswers.filter((row) => row.webhookId === webhook.id)) {
      figures.noAnswer += row.count;
      figures.noAnswerErrors.push(`${row.count} × ${row.error}`);
    }
    for (const call of ownCalls) {
      // A call recorded delivered that the receiver never accepted: the worst kind of loss.
      if (call.status === "SUCCESS" && !receipts.get(call.eventUuid)?.accepted) {
        successWithoutDelivery += 1;
        example(`${webhook.name}: call of ${call.eventUuid} is SUCCESS but the receiver never answered 2xx to it`);
      }
    }
    for (const event of accepted) {
      if (event.sentAt < webhook.createdAt) continue; // sent before this webhook existed
      figures.expected += 1;
      const call = calls.get(`${webhook.id} ${event.uuid}`);
      if (!call) {
        if (snapshot.events.has(event.uuid)) {
          callsMissing += 1;
          example(`${webhook.name}: no call for ${event.uuid}`);
        }
        continue;
      }
      if (!healthy) continue;
      const seen = receipts.get(event.uuid);
      if (seen && event.acceptedAt !== undefined) {
        const firstMs = seen.firstAt - event.acceptedAt;
        allFirst.push(firstMs);
        const phase = phaseAt(timeline, event.sentAt - loadStartedAt);
        if (phase !== "warm-up") phases[phase].push(firstMs);
        if (seen.firstAcceptedAt !== undefined) delivered.push(seen.firstAcceptedAt - event.acceptedAt);
      }
      if (call.status !== "FAILURE" || seen?.accepted) continue;
      // Failed although this receiver accepts eventually: fine only if it refused every attempt itself.
      if ((seen?.refused ?? 0) >= maxAttempts) {
        figures.exhausted += 1;
      } else {
        failedWithoutCause += 1;
        example(
          `${webhook.name}: call of ${event.uuid} FAILURE after ${call.attempts} attempts, the receiver refused only ${seen?.refused ?? 0}`,
        );
      }
    }
    callsExpected += figures.expected;
    receivers.push(figures);
  }

  const stuckEvents = [...snapshot.events.values()].filter((fanned) => !fanned).length;
  const stuckCalls = snapshot.calls.filter((call) => call.status !== "SUCCESS" && call.status !== "FAILURE");
  for (const call of stuckCalls.slice(0, 5))
    example(`stuck: call of ${call.eventUuid} to webhook ${call.webhookId} is ${call.status} after ${call.attempts} attempts`);
  const hanging = new Set(webhooks.filter((webhook) => webhook.behaviour === "hanging").map((webhook) => webhook.id));
  const firstReceipt = {
    baseline: latency(phases.baseline),
    isolation: latency(phases.isolation),
    chaos: latency(phases.chaos),
    all: latency(allFirst),
  };
  const reasons = new Map<string, number>();
  for (const event of notAccepted) {
    const reason = event.status ? `HTTP ${event.status} ${event.error ?? ""}`.trim() : (event.error ?? "no answer");
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return {
    eventsSent: sent.length,
    eventsAccepted: accepted.length,
    eventsNotAccepted: notAccepted.length,
    notAcceptedReasons: [...reasons].map(([reason, count]) => `${count} × ${reason}`),
    eventsRecorded: accepted.filter((event) => snapshot.events.has(event.uuid)).length,
    callsExpected,
    callsCreated: snapshot.calls.length,
    callsOfPlatformEvents: snapshot.calls.filter((call) => !sentUuids.has(call.eventUuid)).length,
    success: snapshot.calls.filter((call) => call.status === "SUCCESS").length,
    failure: snapshot.calls.filter((call) => call.status === "FAILURE").length,
    stuck: stuckCalls.length + stuckEvents,
    lost: eventsNotRecorded.length + callsMissing + successWithoutDelivery + failedWithoutCause,
    lostDetail: { eventsNotRecorded: eventsNotRecorded.length, callsMissing, successWithoutDelivery, failedWithoutCause },
    exhausted: receivers.reduce((sum, receiver) => sum + receiver.exhausted, 0),
    duplicates: receivers.reduce((sum, receiver) => sum + receiver.duplicates, 0),
    maxAttemptMs: Math.max(0, ...snapshot.attempts.map((row) => row.maxDurationMs)),
    maxAttemptMsExcludingHanging: Math.max(
      0,
      ...snapshot.attempts.filter((row) => !hanging.has(row.webhookId)).map((row) => row.maxDurationMs),
    ),
    firstReceipt,
    delivered: latency(delivered),
    isolationRatio: firstReceipt.baseline.p99 > 0 ? firstReceipt.isolation.p99 / firstReceipt.baseline.p99 : Number.NaN,
    receivers,
    examples,
  };
}

// The scenarios: events sent through the real API, delivered by the real workers to the receiver.
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { JobQueues } from "@modelhooks/queues";
import type { ApiClient } from "../scripts/lib/api-client.js";
import { waitForUpTo } from "../scripts/lib/wait-for.js";
import { difference, type DbCounters, type DbStats } from "./db-stats.js";
import { runDirectLoop, type DirectResult } from "./direct-post.js";
import { scrapeAll, type MemoryBreakdown } from "./memory.js";
import { Monitor, rssKb, type PhaseUsage, type Watched } from "./monitor.js";
import type { BenchOptions } from "./options.js";
import { addWebhooks, sendAtRate, sendEvent, sendFullSpeed, type SendResult } from "./load.js";
import type { Receipts, Receiver } from "./receiver.js";
import { rate, summarize, type LatencySummary } from "./stats.js";

export interface BenchContext {
  options: BenchOptions;
  runId: string;
  api: ApiClient;
  receiver: Receiver;
  queues: JobQueues;
  watched: Watched[];
  dbStats: DbStats;
  /** The bench database, for scenarios that set up more than the API would in time (10 000 webhooks). */
  databaseUrl: string;
  /** Each service's Prometheus /metrics, for its heap figures. */
  metricsUrls: Record<string, string>;
  workerEnv: Record<string, string>;
  /** Deliveries in flight across all workers (DELIVERY_CONCURRENCY × workers). */
  deliveryConcurrency: number;
  log(message: string): void;
}

export interface PipelineScenario {
  name: "fanout1" | "fanout10" | "slow";
  label: string;
  fanOut: number;
  receiverDelayMs: number;
}

export const PIPELINE_SCENARIOS: PipelineScenario[] = [
  { name: "fanout1", label: "fan-out 1", fanOut: 1, receiverDelayMs: 0 },
  { name: "fanout10", label: "fan-out 10", fanOut: 10, receiverDelayMs: 0 },
  { name: "slow", label: "slow receiver (fan-out 10, 50 ms)", fanOut: 10, receiverDelayMs: 50 },
];

export interface PhaseResult {
  events: number;
  accepted: number;
  rejected: number;
  expectedDeliveries: number;
  deliveries: number;
  /** True when every expected delivery arrived before the time limit. */
  complete: boolean;
  /** accepted / (last 202 − first request sent). */
  eventsAcceptedPerSec: number;
  /** deliveries / (last receipt − first acceptance). */
  deliveriesPerSec: number;
  /** Per delivery: receipt − acceptance of its event, ms. */
  latencyMs: LatencySummary;
  usage: PhaseUsage;
  /** PostgreSQL work on the bench database during the phase (approximate: stats are flushed about once a second). */
  db: DbCounters & { commitsPerDelivery: number };
  /** Heap figures of each service at the end of the phase. */
  memoryAtEnd: Record<string, MemoryBreakdown>;
}

export type MeasuredDirect = DirectResult & { usage: PhaseUsage };

export interface PipelineResult {
  scenario: PipelineScenario;
  fullSpeed: PhaseResult;
  moderate: PhaseResult & { targetEventsPerSec: number };
  direct: DirectPair;
  ratio: { got: number; undici: number };
}

export interface BacklogResult {
  fanOut: number;
  events: number;
  target: number;
  /** Largest number of delivery jobs waiting, as counted in Redis. */
  queuedPeak: number;
  secondsToQueue: number;
  /** While the backlog was built with the deliveries queue paused. */
  queueing: PhaseUsage;
  /** While the workers worked through it at full speed. */
  draining: PhaseUsage;
  memoryQueued: Record<string, MemoryBreakdown>;
  memoryAfterDrain: Record<string, MemoryBreakdown>;
  drainSeconds: number;
  drainDeliveries: number;
  drainDeliveriesPerSec: number;
  queuedAfterDrain: number;
}

/** got as the worker's transport sends (tuned), got with its defaults, and undici. */
export interface DirectPair {
  got: MeasuredDirect;
  gotDefault: MeasuredDirect;
  undici: MeasuredDirect;
}

const directCache = new Map<number, DirectPair>();

export async function runPipelineScenario(ctx: BenchContext, scenario: PipelineScenario): Promise<PipelineResult> {
  const { options, api, receiver } = ctx;
  const { id: workspaceId } = await api.createWorkspace(`bench-${scenario.name}-${ctx.runId}`);
  await addWebhooks(api, workspaceId, `bench-${scenario.name}`, scenario.fanOut, receiver.url(`/hook/${scenario.name}`));
  await receiver.configure(scenario.receiverDelayMs);
  const uuids = (phase: string, count: number) =>
    Array.from({ length: count }, (_, index) => `${ctx.runId}-${scenario.name}-${phase}-${index}`);

  if (options.warmup > 0) {
    ctx.log(`${scenario.label}: warm-up, ${options.warmup} events`);
    await runPhase(ctx, scenario.fanOut, () => sendFullSpeed(api, workspaceId, uuids("warm", options.warmup), options.apiConcurrency));
  }

  ctx.log(`${scenario.label}: ${options.events} events at full speed`);
  const fullSpeed = await runPhase(ctx, scenario.fanOut, () =>
    sendFullSpeed(api, workspaceId, uuids("full", options.events), options.apiConcurrency),
  );

  const direct = await directLimit(ctx, scenario.receiverDelayMs);

  // "Moderate": a fraction of the end-to-end maximum just measured, in events per second.
  const maxEventsPerSec = Math.min(fullSpeed.eventsAcceptedPerSec, fullSpeed.deliveriesPerSec / scenario.fanOut);
  const targetEventsPerSec = Math.max(1, options.moderateFraction * maxEventsPerSec);
  const moderateEvents = Math.max(20, Math.round(targetEventsPerSec * options.moderateSeconds));
  ctx.log(`${scenario.label}: ${moderateEvents} events at ${targetEventsPerSec.toFixed(1)}/s`);
  const moderate = await runPhase(ctx, scenario.fanOut, () =>
    sendAtRate(api, workspaceId, uuids("moderate", moderateEvents), targetEventsPerSec),
  );

  return {
    scenario,
    fullSpeed,
    moderate: { ...moderate, targetEventsPerSec },
    direct,
    ratio: { got: fullSpeed.deliveriesPerSec / direct.got.perSecond, undici: fullSpeed.deliveriesPerSec / direct.undici.perSecond },
  };
}

/** Sends, waits for every delivery (bounded), and measures. */
async function runPhase(ctx: BenchContext, fanOut: number, send: () => Promise<SendResult>): Promise<PhaseResult> {
  const monitor = new Monitor(ctx.watched);
  await ctx.receiver.reset();
  const dbBefore = await ctx.dbStats.read();
  await monitor.start();
  const sent = await send();
  const expected = sent.acceptedAt.size * fanOut;
  // Generous but bounded: at least a minute, more for big phases.
  const limitMs = Math.max(60_000, expected * 5);
  const complete =
    (await waitForUpTo(async () => (await ctx.receiver.counts()).distinctCalls >= expected, {
      what: `${expected} deliveries`,
      timeoutMs: limitMs,
      onError: "fail",
    })) ?? false;
  const usage = await monitor.stop();
  if (!complete)
    ctx.log(`  only ${(await ctx.receiver.counts()).distinctCalls} of ${expected} deliveries arrived within ${limitMs / 1000} s`);
  const memoryAtEnd = await scrapeAll(ctx.metricsUrls);
  // PostgreSQL backends publish their counters about once a second.
  await sleep(1_500);
  const db = difference(await ctx.dbStats.read(), dbBefore);
  const result = measure(sent, await ctx.receiver.receipts(), expected, complete, usage);
  return { ...result, db: { ...db, commitsPerDelivery: result.deliveries > 0 ? db.commits / result.deliveries : Number.NaN }, memoryAtEnd };
}

function measure(
  sent: SendResult,
  receipts: Receipts,
  expected: number,
  complete: boolean,
  usage: PhaseUsage,
): Omit<PhaseResult, "db" | "memoryAtEnd"> {
  const seen = new Set<number>();
  const latencies: number[] = [];
  let lastReceipt = 0;
  receipts.callIds.forEach((callId, index) => {
    const acceptedAt = sent.acceptedAt.get(receipts.eventUuids[index] as string);
    // A redelivery (at-least-once) counts once, at its first arrival.
    if (acceptedAt === undefined || seen.has(callId)) return;
    seen.add(callId);
    const at = receipts.times[index] as number;
    latencies.push(at - acceptedAt);
    lastReceipt = Math.max(lastReceipt, at);
  });
  let firstAcceptance = Number.POSITIVE_INFINITY;
  let lastAcceptance = 0;
  for (const at of sent.acceptedAt.values()) {
    firstAcceptance = Math.min(firstAcceptance, at);
    lastAcceptance = Math.max(lastAcceptance, at);
  }
  return {
    events: sent.acceptedAt.size + sent.rejected,
    accepted: sent.acceptedAt.size,
    rejected: sent.rejected,
    expectedDeliveries: expected,
    deliveries: seen.size,
    complete,
    eventsAcceptedPerSec: rate(sent.acceptedAt.size, lastAcceptance - sent.startedAt),
    deliveriesPerSec: rate(seen.size, lastReceipt - firstAcceptance),
    latencyMs: summarize(latencies),
    usage,
  };
}

/** got and undici hitting the receiver directly, at the workers' concurrency; once per receiver delay. */
async function directLimit(ctx: BenchContext, delayMs: number): Promise<DirectPair> {
  const cached = directCache.get(delayMs);
  if (cached) return cached;
  const request = await ctx.receiver.sample();
  if (!request) throw new Error("no delivery reached the receiver: nothing to replay in the direct loops");
  const loop = {
    url: ctx.receiver.url("/direct"),
    request,
    concurrency: ctx.deliveryConcurrency,
    maxRequests: 50_000,
    maxMs: ctx.options.directSeconds * 1000,
    workerEnv: ctx.workerEnv,
  };
  const results: Partial<Record<keyof DirectPair, MeasuredDirect>> = {};
  for (const client of ["got", "gotDefault", "undici"] as const) {
    ctx.log(`direct loop: ${client}, concurrency ${loop.concurrency}, receiver delay ${delayMs} ms`);
    const monitor = new Monitor(ctx.watched);
    await monitor.start();
    const result = await runDirectLoop(client, loop);
    const usage = await monitor.stop();
    results[client] = { ...result, usage };
  }
  const pair = {
    got: results.got as MeasuredDirect,
    gotDefault: results.gotDefault as MeasuredDirect,
    undici: results.undici as MeasuredDirect,
  };
  directCache.set(delayMs, pair);
  return pair;
}

/** Marks a workspace's unfinished calls FAILURE: the bench's way to end a scenario's leftovers. */
async function retireCalls(databaseUrl: string, workspaceId: number): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `UPDATE webhook_calls c SET status = 'FAILURE' FROM events e
       WHERE c.event_id = e.id AND e.workspace_id = $1 AND c.status IN ('UNKNOWN', 'IN_PROGRESS')`,
      [workspaceId],
    );
  } finally {
    await db.end();
  }
}

/**
 * Worker memory with a big backlog: the deliveries queue is paused while the events are fanned out
 * (so the backlog really is queued), then resumed and watched while the workers work through it.
 */
export async function runBacklogScenario(ctx: BenchContext): Promise<BacklogResult> {
  const { options, api, receiver, queues } = ctx;
  const fanOut = options.backlogFanOut;
  const events = Math.ceil(options.backlog / fanOut);
  const { id: workspaceId } = await api.createWorkspace(`bench-backlog-${ctx.runId}`);
  await addWebhooks(api, workspaceId, "bench-backlog", fanOut, receiver.url("/hook/backlog"));
  await receiver.configure(0);
  const deliveries = queues.queues.deliveries;
  const queued = async () => {
    const counts = await deliveries.getJobCounts("waiting", "paused", "prioritized", "delayed");
    return Object.values(counts).reduce((sum, value) => sum + value, 0);
  };

  await deliveries.pause();
  ctx.log(`backlog: ${events} events × ${fanOut} webhooks = ${events * fanOut} deliveries, queued while deliveries are paused`);
  const queueingMonitor = new Monitor(ctx.watched);
  await queueingMonitor.start();
  const started = Date.now();
  const uuids = Array.from({ length: events }, (_, index) => `${ctx.runId}-backlog-${index}`);
  const sent = await sendFullSpeed(api, workspaceId, uuids, options.apiConcurrency);
  const target = sent.acceptedAt.size * fanOut;
  let queuedPeak = 0;
  await waitForUpTo(
    async () => {
      queuedPeak = Math.max(queuedPeak, await queued());
      return queuedPeak >= target;
    },
    // Bounded, to keep the whole bench within its few minutes: what was queued by then is reported.
    { what: `${target} deliveries queued`, timeoutMs: 90_000, intervalMs: 250, onError: "fail" },
  );
  const secondsToQueue = (Date.now() - started) / 1000;
  // A moment with the whole backlog queued and the workers idle on it.
  await sleep(1_000);
  const queueing = await queueingMonitor.stop();
  const memoryQueued = await scrapeAll(ctx.metricsUrls);
  ctx.log(`backlog: ${queuedPeak} deliveries queued after ${secondsToQueue.toFixed(1)} s; draining for ${options.drainSeconds} s`);

  await receiver.reset();
  const drainMonitor = new Monitor(ctx.watched);
  await drainMonitor.start();
  await deliveries.resume();
  await sleep(options.drainSeconds * 1000);
  await deliveries.pause();
  const draining = await drainMonitor.stop();
  const queuedAfterDrain = await queued();
  // What is left of the backlog must not drain into the next scenario (the noisy neighbour), nor
  // leave its queue paused: its jobs go, and its calls are made final so that the relay's sweep of
  // overdue calls does not queue them again.
  await deliveries.obliterate({ force: true });
  await retireCalls(ctx.databaseUrl, workspaceId);
  await deliveries.resume();
  const memoryAfterDrain = await scrapeAll(ctx.metricsUrls);
  const drainDeliveries = (await receiver.counts()).distinctCalls;
  return {
    fanOut,
    events: sent.acceptedAt.size,
    target,
    queuedPeak,
    secondsToQueue,
    queueing,
    draining,
    memoryQueued,
    memoryAfterDrain,
    drainSeconds: options.drainSeconds,
    drainDeliveries,
    drainDeliveriesPerSec: drainDeliveries / options.drainSeconds,
    queuedAfterDrain,
  };
}

export interface IngestResult {
  events: number;
  concurrency: number;
  bodyBytes: number;
  /** createEvent at full speed, the worker idle (the events queue paused). */
  api: { perSecond: number; answerMs: LatencySummary; usage: PhaseUsage };
  /** The bare Express handler, same body, same client, same concurrency. */
  bare: { perSecond: number; answerMs: LatencySummary; usage: PhaseUsage };
  ratio: number;
  /** createEvent at half its full-speed rate: the answers' latency. */
  half: { targetPerSecond: number; accepted: number; rejected: number; answerMs: LatencySummary };
}

// About 1 KiB per createEvent body, as a platform's model-version event with a description is.
const INGEST_PADDING = 750;

/** createEvent's own rate beside a bare Express endpoint's, in the same run; the worker does nothing meanwhile. */
export async function runIngestScenario(ctx: BenchContext, bare: ApiClient): Promise<IngestResult> {
  const { options, api, queues } = ctx;
  const { id: workspaceId } = await api.createWorkspace(`bench-ingest-${ctx.runId}`);
  const uuids = (phase: string, count: number) => Array.from({ length: count }, (_, index) => `${ctx.runId}-ingest-${phase}-${index}`);
  const body = { padding: INGEST_PADDING };
  const events = options.ingestEvents;
  // The worker idle while createEvent is measured: the events queue is paused for each measured
  // phase only, then drained, so no event waits unfanned long enough (OUTBOX_RELAY_GRACE_MS) for
  // the relay to start working on it in the middle of a measurement.
  const workerIdle = async <T>(phase: () => Promise<T>): Promise<T> => {
    await queues.queues.events.pause();
    try {
      return await phase();
    } finally {
      await queues.queues.events.resume();
      // These events fan out to no webhook; the worker gets through them before the next phase.
      await waitForUpTo(
        async () => Object.values(await queues.queues.events.getJobCounts("waiting", "prioritized")).every((n) => n === 0),
        {
          what: "the ingestion events fanned out",
          timeoutMs: 120_000,
          intervalMs: 250,
        },
      );
    }
  };
  const measured = async (client: ApiClient, label: string, idle: boolean) => {
    ctx.log(`ingestion: ${label}, ${events} events, ${options.apiConcurrency} in flight`);
    await sendFullSpeed(client, workspaceId, uuids(`${label}-warm`, Math.max(options.warmup, 200)), options.apiConcurrency, body);
    const run = async () => {
      const monitor = new Monitor(ctx.watched);
      await monitor.start();
      const sent = await sendFullSpeed(client, workspaceId, uuids(label, events), options.apiConcurrency, body);
      const usage = await monitor.stop();
      if (sent.rejected > 0) ctx.log(`  ${sent.rejected} of ${events} refused`);
      return { perSecond: rate(sent.acceptedAt.size, sent.endedAt - sent.startedAt), answerMs: summarize(sent.answerMs), usage };
    };
    return idle ? workerIdle(run) : run();
  };
  const apiResult = await measured(api, "createEvent", true);
  const bareResult = await measured(bare, "bare-express", false);
  const targetPerSecond = apiResult.perSecond / 2;
  const halfEvents = Math.max(50, Math.round(targetPerSecond * options.moderateSeconds));
  ctx.log(`ingestion: ${halfEvents} events at ${targetPerSecond.toFixed(0)}/s (half the full-speed rate)`);
  const half = await workerIdle(() => sendAtRate(api, workspaceId, uuids("half", halfEvents), targetPerSecond, body));
  return {
    events,
    concurrency: options.apiConcurrency,
    bodyBytes: JSON.stringify(sampleBody(workspaceId)).length + INGEST_PADDING,
    api: apiResult,
    bare: bareResult,
    ratio: apiResult.perSecond / bareResult.perSecond,
    half: { targetPerSecond, accepted: half.acceptedAt.size, rejected: half.rejected, answerMs: summarize(half.answerMs) },
  };
}

function sampleBody(workspaceId: number) {
  return { event_uuid: "x".repeat(30), event_type: "CREATE", workspace_id: workspaceId, resource_type: "MODEL_VERSION", new_entity: {} };
}

export interface WideFanOutResult {
  webhooks: number;
  pageSize: number;
  deliveries: number;
  complete: boolean;
  /** First receipt − acceptance of the event, ms. */
  firstDeliveryMs: number;
  /** Acceptance → the moment every call row existed, ms (polled every 100 ms). */
  allCallsCreatedMs: number;
  /** Acceptance → the last delivery's receipt, ms. */
  allDeliveredMs: number;
  workerRssBeforeMb: number;
  workerPeakRssMb: number;
  usage: PhaseUsage;
}

/** One event to `--wide-fanout` (10 000) webhooks: paged fan-out, first delivery, calls created, worker memory. */
export async function runWideFanOutScenario(ctx: BenchContext): Promise<WideFanOutResult> {
  const { options, api, receiver } = ctx;
  const count = options.wideFanOut;
  const { id: workspaceId } = await api.createWorkspace(`bench-wide-${ctx.runId}`);
  const db = new pg.Client({ connectionString: ctx.databaseUrl });
  await db.connect();
  try {
    // Straight into the table: ten thousand createWebhook calls would take longer than the scenario.
    // Unsigned (no secret), which costs the worker a little less per delivery than the other scenarios.
    await db.query(
      `INSERT INTO webhooks (workspace_id, name, location, all_events, created_at, updated_at)
       SELECT $1, 'bench-wide-' || n, $2, true, now(), now() FROM generate_series(1, $3::int) AS n`,
      [workspaceId, receiver.url("/hook/wide"), count],
    );
    await receiver.configure(0);
    await receiver.reset();
    await sleep(1_000);
    const workerPid = ctx.watched.find((target) => target.name.startsWith("worker"))?.pid as number;
    const workerRssBeforeMb = (await rssKb(workerPid)) / 1024;
    const monitor = new Monitor(ctx.watched);
    await monitor.start();
    const uuid = `${ctx.runId}-wide`;
    ctx.log(`wide fan-out: one event to ${count} webhooks (pages of ${ctx.workerEnv.FANOUT_PAGE_SIZE ?? "the default"})`);
    const acceptedAt = await sendEvent(api, workspaceId, uuid, 0);
    if (acceptedAt === undefined) throw new Error("wide fan-out: createEvent was refused");
    let allCallsCreatedMs = Number.NaN;
    await waitForUpTo(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM webhook_calls c JOIN events e ON e.id = c.event_id WHERE e.workspace_id = $1 AND e.uuid = $2",
          [workspaceId, uuid],
        );
        if ((rows[0]?.n ?? 0) < count) return false;
        allCallsCreatedMs = Date.now() - acceptedAt;
        return true;
      },
      { what: `${count} calls created`, timeoutMs: 60_000, intervalMs: 100 },
    );
    const complete =
      (await waitForUpTo(async () => (await receiver.counts()).distinctCalls >= count, {
        what: `${count} deliveries`,
        timeoutMs: 180_000,
        intervalMs: 250,
      })) ?? false;
    const usage = await monitor.stop();
    const receipts = await receiver.receipts();
    const times = receipts.times.filter((_, index) => receipts.eventUuids[index] === uuid);
    return {
      webhooks: count,
      pageSize: Number(ctx.workerEnv.FANOUT_PAGE_SIZE ?? 1000),
      deliveries: new Set(receipts.callIds.filter((_, index) => receipts.eventUuids[index] === uuid)).size,
      complete,
      firstDeliveryMs: times.length > 0 ? Math.min(...times) - acceptedAt : Number.NaN,
      allCallsCreatedMs,
      allDeliveredMs: times.length > 0 ? Math.max(...times) - acceptedAt : Number.NaN,
      workerRssBeforeMb,
      workerPeakRssMb: maxPeak(usage.peakRssMb, "worker"),
      usage,
    };
  } finally {
    await db.end();
  }
}

function maxPeak(values: Record<string, number>, prefix: string): number {
  return Math.max(
    0,
    ...Object.entries(values)
      .filter(([name]) => name.startsWith(prefix))
      .map(([, value]) => value),
  );
}

export interface NeighbourResult {
  rate: number;
  seconds: number;
  /** The quiet workspace alone. */
  alone: PhaseResult;
  /** The same load while the noisy workspace floods createEvent towards three receivers that never answer. */
  withNoise: PhaseResult;
  noisyEventsAccepted: number;
  /** Sent and not accepted: refused (429, the ingestion limit) or failed. */
  noisyEventsRefused: number;
  /** B's slowest deliveries while A floods: when (seconds into the flood) and how late, slowest first. */
  slowestWithNoise: Array<{ atS: number; ms: number }>;
  /** EVENTS_PER_WORKSPACE_PER_SECOND the services ran with ("0": none). */
  ingestionLimit: string;
  noisyEventsPerSec: number;
  hangingWebhooks: number;
  /** Where B's deliveries spent their time, from the database's own timestamps: each phase's p50 / p99 per stage. */
  stages: { alone: NeighbourStages; withNoise: NeighbourStages };
}

export interface NeighbourStages {
  /** Recorded → fanned out: the events queue and the fan-out. */
  toFannedOut: LatencySummary;
  /** Fanned out → its attempt started: the deliveries queue, the slot and the claim. */
  toAttempt: LatencySummary;
  /** The attempt itself, as the worker timed it. */
  attempt: LatencySummary;
}

/** The `count` slowest first receipts of a phase: when they were accepted (seconds after `sinceMs`) and how late. */
function slowest(sent: SendResult, receipts: Receipts, sinceMs: number, count: number): Array<{ atS: number; ms: number }> {
  const first = new Map<string, { atS: number; ms: number }>();
  receipts.eventUuids.forEach((uuid, index) => {
    const acceptedAt = sent.acceptedAt.get(uuid);
    if (acceptedAt === undefined || first.has(uuid)) return;
    first.set(uuid, { atS: (acceptedAt - sinceMs) / 1000, ms: (receipts.times[index] as number) - acceptedAt });
  });
  return [...first.values()].sort((a, b) => b.ms - a.ms).slice(0, count);
}

/** B's stages, read back from the bench database: which hop A's flood slows. */
async function neighbourStages(databaseUrl: string, uuidPrefix: string): Promise<NeighbourStages> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ fanout: number; queued: number; attempt: number }>(
      `SELECT extract(epoch FROM e.fanned_out_at - e.created_at) * 1000 AS fanout,
              extract(epoch FROM a.started_at - e.fanned_out_at) * 1000 AS queued, a.duration_ms AS attempt
       FROM events e JOIN webhook_calls c ON c.event_id = e.id JOIN webhook_call_attempts a ON a.call_id = c.id AND a.attempt_number = 1
       WHERE e.uuid LIKE $1`,
      [`${uuidPrefix}%`],
    );
    return {
      toFannedOut: summarize(rows.map((row) => Number(row.fanout))),
      toAttempt: summarize(rows.map((row) => Math.max(0, Number(row.queued)))),
      attempt: summarize(rows.map((row) => Number(row.attempt))),
    };
  } finally {
    await db.end();
  }
}

/**
 * No workspace starves another (docs/security.md): workspace B sends `--neighbour-rate` events per
 * second to a healthy receiver, first alone, then while workspace A floods createEvent at full
 * speed towards three webhooks whose receiver accepts connections and never answers. B's
 * delivery latency in both phases, with the API's ingestion limit at `ingestionLimit` (the
 * product's default unless --env sets it), beside the slot caps and the queues' fair order.
 */
export async function runNeighbourScenario(ctx: BenchContext, ingestionLimit: string): Promise<NeighbourResult> {
  const { options, api, receiver } = ctx;
  const quiet = await api.createWorkspace(`bench-quiet-${ctx.runId}`);
  const noisy = await api.createWorkspace(`bench-noisy-${ctx.runId}`);
  await addWebhooks(api, quiet.id, "bench-quiet", 1, receiver.url("/hook/quiet"));
  // Accepts every connection and never answers: each delivery holds its slot until DELIVERY_TIMEOUT_MS.
  const held = new Set<net.Socket>();
  const blackHole = net.createServer((socket) => {
    held.add(socket);
    socket.on("close", () => held.delete(socket));
  });
  await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
  const hangingWebhooks = 3;
  await addWebhooks(
    api,
    noisy.id,
    "bench-hanging",
    hangingWebhooks,
    `http://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}/hang`,
  );
  await receiver.configure(0);
  const events = options.neighbourRate * options.neighbourSeconds;
  const quietUuids = (phase: string) => Array.from({ length: events }, (_, index) => `${ctx.runId}-quiet-${phase}-${index}`);
  try {
    ctx.log(`neighbour: workspace B alone, ${events} events at ${options.neighbourRate}/s`);
    const alone = await runPhase(ctx, 1, () => sendAtRate(api, quiet.id, quietUuids("alone"), options.neighbourRate));

    ctx.log(`neighbour: the same while workspace A floods createEvent towards ${hangingWebhooks} hanging webhooks`);
    let flooding = true;
    let noisyAccepted = 0;
    let next = 0;
    const floodStarted = Date.now();
    const flood = Promise.all(
      Array.from({ length: options.apiConcurrency }, async () => {
        while (flooding) {
          const index = next++;
          if ((await sendEvent(api, noisy.id, `${ctx.runId}-noisy-${index}`, index)) !== undefined) noisyAccepted += 1;
        }
      }),
    );
    let sentWithNoise: SendResult | undefined;
    const withNoise = await runPhase(ctx, 1, async () => {
      const sent = await sendAtRate(api, quiet.id, quietUuids("noisy"), options.neighbourRate);
      sentWithNoise = sent;
      flooding = false;
      await flood;
      return sent;
    });
    const floodSeconds = (Date.now() - floodStarted) / 1000;
    const slowestWithNoise = slowest(sentWithNoise as SendResult, await ctx.receiver.receipts(), floodStarted, 5);
    return {
      rate: options.neighbourRate,
      seconds: options.neighbourSeconds,
      alone,
      withNoise,
      noisyEventsAccepted: noisyAccepted,
      noisyEventsRefused: next - noisyAccepted,
      slowestWithNoise,
      ingestionLimit,
      noisyEventsPerSec: noisyAccepted / floodSeconds,
      hangingWebhooks,
      stages: {
        alone: await neighbourStages(ctx.databaseUrl, `${ctx.runId}-quiet-alone-`),
        withNoise: await neighbourStages(ctx.databaseUrl, `${ctx.runId}-quiet-noisy-`),
      },
    };
  } finally {
    // Thousands of deliveries to the black hole are still queued: later phases must not inherit them.
    await ctx.queues.queues.deliveries.obliterate({ force: true });
    blackHole.close();
    for (const socket of held) socket.destroy();
  }
}

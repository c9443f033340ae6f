// The scenarios: events sent through the real API, delivered by the real workers to the receiver.
import { setTimeout as sleep } from "node:timers/promises";
import type { JobQueues } from "@modelhooks/queues";
import type { ApiClient } from "../scripts/lib/api-client.js";
import { waitForUpTo } from "../scripts/lib/wait-for.js";
import { difference, type DbCounters, type DbStats } from "./db-stats.js";
import { runDirectLoop, type DirectResult } from "./direct-post.js";
import { scrapeAll, type MemoryBreakdown } from "./memory.js";
import { Monitor, type PhaseUsage, type Watched } from "./monitor.js";
import type { BenchOptions } from "./options.js";
import { addWebhooks, sendAtRate, sendFullSpeed, type SendResult } from "./load.js";
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
  direct: { got: MeasuredDirect; undici: MeasuredDirect };
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

const directCache = new Map<number, { got: MeasuredDirect; undici: MeasuredDirect }>();

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
async function directLimit(ctx: BenchContext, delayMs: number): Promise<{ got: MeasuredDirect; undici: MeasuredDirect }> {
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
  const results: Partial<Record<"got" | "undici", MeasuredDirect>> = {};
  for (const client of ["got", "undici"] as const) {
    ctx.log(`direct loop: ${client}, concurrency ${loop.concurrency}, receiver delay ${delayMs} ms`);
    const monitor = new Monitor(ctx.watched);
    await monitor.start();
    const result = await runDirectLoop(client, loop);
    const usage = await monitor.stop();
    results[client] = { ...result, usage };
  }
  const pair = { got: results.got as MeasuredDirect, undici: results.undici as MeasuredDirect };
  directCache.set(delayMs, pair);
  return pair;
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
    queuedAfterDrain: await queued(),
  };
}

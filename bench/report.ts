// The printed table and the target checks.
import type { CensusResult } from "./census.js";
import type { MemoryBreakdown } from "./memory.js";
import type { BenchOptions } from "./options.js";
import type { BacklogResult, IngestResult, NeighbourResult, PipelineResult, WideFanOutResult } from "./scenarios.js";
import type { LatencySummary } from "./stats.js";

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

/** Everything one run measured. */
export interface BenchFigures {
  ingest?: IngestResult;
  pipelines: PipelineResult[];
  wide?: WideFanOutResult;
  backlog?: BacklogResult;
  neighbour?: NeighbourResult;
  idleMemory: Record<string, MemoryBreakdown>;
  census?: CensusResult;
}

const RSS_LIMIT_MB = 300;
const P99_LIMIT_MS = 100;
const INGEST_RATIO = 0.5;
const INGEST_STRETCH_RATIO = 0.7;
const INGEST_P99_LIMIT_MS = 50;
const IDLE_RSS_LIMIT_MB = 150;
const WIDE = { firstDeliveryMs: 1_000, allCallsMs: 10_000, rssGrowthMb: 50 };
/** The quiet workspace's p99 with a noisy neighbour, as a multiple of its p99 alone. */
const NEIGHBOUR_P99_RATIO = 3;
/** What the security test measured before the slot cap, fair order and ingestion limit. */
const NEIGHBOUR_BEFORE = "before: B's deliveries 339–355 s late with three hanging webhooks in A, B's p50 9.5 s under a 30 s flood";

export function checkTargets(options: BenchOptions, figures: BenchFigures): TargetCheck[] {
  const { ingest, pipelines, wide, backlog, neighbour, idleMemory, census } = figures;
  const checks: TargetCheck[] = [];
  if (neighbour) {
    const ratio = neighbour.withNoise.latencyMs.p99 / neighbour.alone.latencyMs.p99;
    checks.push({
      target: `no workspace starves another: B's delivery p99 with A flooding ≤ ${NEIGHBOUR_P99_RATIO} × B alone`,
      measured: `${num(neighbour.withNoise.latencyMs.p99)} ms vs ${num(neighbour.alone.latencyMs.p99)} ms alone = ${ratio.toFixed(2)} ×${neighbour.withNoise.complete ? "" : ", INCOMPLETE"} (${NEIGHBOUR_BEFORE})`,
      met: neighbour.withNoise.complete && ratio <= NEIGHBOUR_P99_RATIO,
    });
  }
  if (ingest) {
    checks.push({
      target: `1. createEvent accepted/s ≥ ${INGEST_RATIO} × bare Express, same body and concurrency (stretch ${INGEST_STRETCH_RATIO} ×)`,
      measured: `${num(ingest.api.perSecond)}/s vs ${num(ingest.bare.perSecond)}/s = ${ingest.ratio.toFixed(2)} ×${ingest.ratio >= INGEST_STRETCH_RATIO ? " (stretch met)" : ""}`,
      met: ingest.ratio >= INGEST_RATIO,
    });
    checks.push({
      target: `1. createEvent p99 answer ≤ ${INGEST_P99_LIMIT_MS} ms at half that rate`,
      measured: `${num(ingest.half.answerMs.p99)} ms at ${num(ingest.half.targetPerSecond)}/s (${num(ingest.half.rejected)} refused)`,
      met: ingest.half.rejected === 0 && ingest.half.answerMs.p99 <= INGEST_P99_LIMIT_MS,
    });
  }
  const fanOut10 = pipelines.find((result) => result.scenario.name === "fanout10");
  if (fanOut10) {
    checks.push({
      target: "fan-out 10: end-to-end deliveries/s ≥ 0.5 × got direct-POST rate",
      measured: `${num(fanOut10.fullSpeed.deliveriesPerSec)}/s vs ${num(fanOut10.direct.got.perSecond)}/s = ${fanOut10.ratio.got.toFixed(2)} ×`,
      met: fanOut10.ratio.got >= 0.5,
    });
  }
  const idleApi = idleMemory.api?.rssMb;
  const idleWorker = maxOf(Object.fromEntries(Object.entries(idleMemory).map(([name, figures]) => [name, figures.rssMb])), "worker");
  if (idleApi !== undefined) {
    checks.push({
      target: `3. idle RSS: API ≤ ${IDLE_RSS_LIMIT_MB} MB, worker ≤ ${IDLE_RSS_LIMIT_MB} MB`,
      measured: `API ${num(idleApi)} MB, worker ${num(idleWorker)} MB`,
      met: idleApi <= IDLE_RSS_LIMIT_MB && idleWorker <= IDLE_RSS_LIMIT_MB,
    });
  }
  if (wide) {
    const growth = wide.workerPeakRssMb - wide.workerRssBeforeMb;
    checks.push({
      target: `4. one event to ${num(wide.webhooks)} webhooks: first delivery ≤ ${WIDE.firstDeliveryMs / 1000} s, all calls created ≤ ${WIDE.allCallsMs / 1000} s, worker RSS growth ≤ ${WIDE.rssGrowthMb} MB`,
      measured: `first ${num(wide.firstDeliveryMs)} ms, calls ${(wide.allCallsCreatedMs / 1000).toFixed(1)} s, growth ${num(growth)} MB (${num(wide.workerRssBeforeMb)} → ${num(wide.workerPeakRssMb)} MB)${wide.complete ? "" : ", INCOMPLETE"}`,
      met:
        wide.complete &&
        wide.firstDeliveryMs <= WIDE.firstDeliveryMs &&
        wide.allCallsCreatedMs <= WIDE.allCallsMs &&
        growth <= WIDE.rssGrowthMb,
    });
  }
  if (census && census.measured.length > 1) {
    const [smallest, ...larger] = census.measured;
    // "Does not grow": the API's cost per event is the same at any fan-out; the worker's per delivery never rises with it.
    const apiSame = larger.every((entry) => entry.api.roundTrips === smallest!.api.roundTrips);
    const perDelivery = census.measured.map((entry) => entry.workerPerDelivery);
    const falling = perDelivery.every(
      (entry, index) =>
        index === 0 ||
        (entry.roundTrips <= perDelivery[index - 1]!.roundTrips && entry.redisCommands <= perDelivery[index - 1]!.redisCommands + 0.5),
    );
    checks.push({
      target: "5. census per event and per delivery does not grow with fan-out size",
      measured: census.measured
        .map(
          (entry) =>
            `fan-out ${entry.fanOut}: API ${entry.api.roundTrips} PG / ${entry.api.redisCommands} Redis, worker ${entry.workerPerDelivery.roundTrips.toFixed(1)} PG / ${entry.workerPerDelivery.redisCommands.toFixed(1)} Redis per delivery`,
        )
        .join("; "),
      met: apiSame && falling,
    });
  }
  for (const result of pipelines) {
    const { moderate } = result;
    checks.push({
      target: `${result.scenario.label}: p99 acceptance→receipt ≤ ${P99_LIMIT_MS} ms at ~${Math.round(options.moderateFraction * 100)}% of max`,
      measured: `${num(moderate.latencyMs.p99)} ms at ${moderate.targetEventsPerSec.toFixed(1)} events/s`,
      met: moderate.complete && moderate.latencyMs.p99 <= P99_LIMIT_MS,
    });
  }
  if (backlog) {
    const peak = Math.max(maxOf(backlog.queueing.peakRssMb, "worker"), maxOf(backlog.draining.peakRssMb, "worker"));
    const scaled = backlog.target < 100_000 ? ` (scaled-down backlog of ${num(backlog.target)}, not 100 000)` : "";
    checks.push({
      target: `worker RSS ≤ ${RSS_LIMIT_MB} MB with 100 000 deliveries queued`,
      measured: `${num(peak)} MB peak with ${num(backlog.queuedPeak)} queued${scaled}`,
      met: peak <= RSS_LIMIT_MB && backlog.queuedPeak >= 100_000,
    });
  }
  return checks;
}

/** Largest value among the entries named `prefix` or `prefix-<n>` (one per worker process). */
export function maxOf(values: Record<string, number>, prefix: string): number {
  let max = 0;
  for (const [name, value] of Object.entries(values)) if (name === prefix || name.startsWith(`${prefix}-`)) max = Math.max(max, value);
  return max;
}

/** Sum of the entries named `prefix` or `prefix-<n>`. */
export function sumOf(values: Record<string, number>, prefix: string): number {
  let sum = 0;
  for (const [name, value] of Object.entries(values)) if (name === prefix || name.startsWith(`${prefix}-`)) sum += value;
  return sum;
}

export function formatReport(options: BenchOptions, figures: BenchFigures, checks: TargetCheck[]): string {
  const { ingest, pipelines, wide, backlog, neighbour, idleMemory, census } = figures;
  const out: string[] = [`idle after start-up: ${memoryLine(idleMemory)}`, ""];
  if (ingest) {
    out.push(
      `ingestion (${num(ingest.events)} events of ~${num(ingest.bodyBytes)} B, ${ingest.concurrency} in flight, worker idle):`,
      `  createEvent ${num(ingest.api.perSecond)}/s (answer p50/p99 ${num(ingest.api.answerMs.p50)} / ${num(ingest.api.answerMs.p99)} ms; CPU cores api/pg/redis ${cores(ingest.api.usage.cpuCores.api)}/${cores(ingest.api.usage.cpuCores.postgres)}/${cores(ingest.api.usage.cpuCores.redis)}, machine ${cores(ingest.api.usage.cpuCores.machine)})`,
      `  bare Express ${num(ingest.bare.perSecond)}/s (answer p50/p99 ${num(ingest.bare.answerMs.p50)} / ${num(ingest.bare.answerMs.p99)} ms; CPU cores ${cores(ingest.bare.usage.cpuCores["bare-express"])}, machine ${cores(ingest.bare.usage.cpuCores.machine)})`,
      `  ratio ${ingest.ratio.toFixed(2)} ×; at half rate (${num(ingest.half.targetPerSecond)}/s): answer p50/p95/p99/max ${latency(ingest.half.answerMs)} ms`,
      `  per event: API ${(((ingest.api.usage.cpuCores.api ?? 0) / ingest.api.perSecond) * 1000).toFixed(2)} ms CPU, PostgreSQL ${(((ingest.api.usage.cpuCores.postgres ?? 0) / ingest.api.perSecond) * 1000).toFixed(2)} ms; bare Express ${(((ingest.bare.usage.cpuCores["bare-express"] ?? 0) / ingest.bare.perSecond) * 1000).toFixed(2)} ms`,
      "",
    );
  }
  if (pipelines.length > 0) {
    const rows: [string, ...string[]][] = [
      ["scenario", ...pipelines.map((result) => result.scenario.label)],
      [
        "events at full speed (accepted)",
        ...pipelines.map(
          (result) =>
            `${num(result.fullSpeed.accepted)} → ${num(result.fullSpeed.deliveries)} deliveries${result.fullSpeed.complete ? "" : " (INCOMPLETE)"}`,
        ),
      ],
      ["events accepted/s (API)", ...pipelines.map((result) => num(result.fullSpeed.eventsAcceptedPerSec))],
      ["deliveries/s end to end", ...pipelines.map((result) => num(result.fullSpeed.deliveriesPerSec))],
      ["latency ms p50/p95/p99/max, full speed", ...pipelines.map((result) => latency(result.fullSpeed.latencyMs))],
      [
        "moderate rate, events/s (deliveries)",
        ...pipelines.map((result) => `${result.moderate.targetEventsPerSec.toFixed(1)} (${num(result.moderate.deliveries)})`),
      ],
      ["latency ms p50/p95/p99/max, moderate", ...pipelines.map((result) => latency(result.moderate.latencyMs))],
      ["direct POST/s, got (worker transport)", ...pipelines.map((result) => num(result.direct.got.perSecond))],
      ["direct POST/s, got (defaults)", ...pipelines.map((result) => num(result.direct.gotDefault.perSecond))],
      ["direct POST/s, undici", ...pipelines.map((result) => num(result.direct.undici.perSecond))],
      ["pipeline ÷ got", ...pipelines.map((result) => result.ratio.got.toFixed(2))],
      ["pipeline ÷ undici", ...pipelines.map((result) => result.ratio.undici.toFixed(2))],
      ["worker peak RSS MB (full speed)", ...pipelines.map((result) => num(maxOf(result.fullSpeed.usage.peakRssMb, "worker")))],
      ["API peak RSS MB (full speed)", ...pipelines.map((result) => num(result.fullSpeed.usage.peakRssMb.api ?? 0))],
      ["CPU cores, full speed: worker/api/pg/redis/recv/bench/machine", ...pipelines.map((result) => cpu(result.fullSpeed.usage.cpuCores))],
      [
        "machine CPU busy, cores (all processes, anyone's): full / moderate",
        ...pipelines.map(
          (result) => `${cores(result.fullSpeed.usage.cpuCores.machine)} / ${cores(result.moderate.usage.cpuCores.machine)}`,
        ),
      ],
      [
        "PostgreSQL transactions per delivery (all processes)",
        ...pipelines.map((result) => result.fullSpeed.db.commitsPerDelivery.toFixed(1)),
      ],
      [
        "CPU cores, direct got: bench/recv",
        ...pipelines.map(
          (result) => `${cores(result.direct.got.usage.cpuCores.bench)} / ${cores(result.direct.got.usage.cpuCores.receiver)}`,
        ),
      ],
      [
        "CPU cores, direct got defaults: bench/recv",
        ...pipelines.map(
          (result) =>
            `${cores(result.direct.gotDefault.usage.cpuCores.bench)} / ${cores(result.direct.gotDefault.usage.cpuCores.receiver)}`,
        ),
      ],
      [
        "CPU cores, direct undici: bench/recv",
        ...pipelines.map(
          (result) => `${cores(result.direct.undici.usage.cpuCores.bench)} / ${cores(result.direct.undici.usage.cpuCores.receiver)}`,
        ),
      ],
    ];
    out.push(table(rows));
  }
  if (wide) {
    out.push(
      "",
      `wide fan-out: one event to ${num(wide.webhooks)} webhooks, pages of ${num(wide.pageSize)}: ${num(wide.deliveries)} delivered${wide.complete ? "" : " (INCOMPLETE)"}`,
      `  first delivery ${num(wide.firstDeliveryMs)} ms; all calls created ${(wide.allCallsCreatedMs / 1000).toFixed(1)} s; all delivered ${(wide.allDeliveredMs / 1000).toFixed(1)} s (${num(wide.deliveries / (wide.allDeliveredMs / 1000))}/s)`,
      `  worker RSS ${num(wide.workerRssBeforeMb)} MB before, ${num(wide.workerPeakRssMb)} MB peak (+${num(wide.workerPeakRssMb - wide.workerRssBeforeMb)} MB); CPU cores ${cpu(wide.usage.cpuCores)} (worker/api/pg/redis/recv/bench/machine)`,
    );
  }
  if (neighbour) {
    const phase = (name: string, result: NeighbourResult["alone"]) =>
      `  ${name}: ${num(result.deliveries)} of ${num(result.expectedDeliveries)} delivered, latency p50 ${num(result.latencyMs.p50)} / p99 ${num(result.latencyMs.p99)} / max ${num(result.latencyMs.max)} ms; CPU cores ${cpu(result.usage.cpuCores)} (worker/api/pg/redis/recv/bench/machine)`;
    out.push(
      "",
      `noisy neighbour: workspace B at ${neighbour.rate} events/s for ${neighbour.seconds} s, alone and while workspace A floods createEvent (${neighbour.ingestionLimit === "0" ? "ingestion limit off" : `EVENTS_PER_WORKSPACE_PER_SECOND=${neighbour.ingestionLimit}`}) towards ${neighbour.hangingWebhooks} webhooks that never answer`,
      phase("B alone", neighbour.alone),
      phase("B with A", neighbour.withNoise),
      `  A: ${num(neighbour.noisyEventsAccepted)} events accepted (${num(neighbour.noisyEventsPerSec)}/s) and ${num(neighbour.noisyEventsRefused)} refused, each to ${neighbour.hangingWebhooks} hanging webhooks`,
      `  B's slowest with A: ${neighbour.slowestWithNoise.map((one) => `${Math.round(one.ms)} ms at ${one.atS.toFixed(1)} s`).join(", ")} into the flood`,
      ...(["alone", "withNoise"] as const).map((name) => {
        const stages = neighbour.stages[name];
        const stage = (summary: LatencySummary) => `${num(summary.p50)} / ${num(summary.p99)}`;
        return `  B's stages ${name === "alone" ? "alone" : "with A"}, p50 / p99 ms: recorded → fanned out ${stage(stages.toFannedOut)}, → attempt started ${stage(stages.toAttempt)}, attempt ${stage(stages.attempt)}`;
      }),
    );
  }
  if (backlog) {
    out.push(
      "",
      `backlog: ${num(backlog.events)} events × ${backlog.fanOut} webhooks; ${num(backlog.queuedPeak)} deliveries queued in ${backlog.secondsToQueue.toFixed(1)} s (deliveries queue paused)`,
      `  worker peak RSS: ${num(maxOf(backlog.queueing.peakRssMb, "worker"))} MB while queueing, ${num(maxOf(backlog.draining.peakRssMb, "worker"))} MB while draining; API peak RSS ${num(Math.max(backlog.queueing.peakRssMb.api ?? 0, backlog.draining.peakRssMb.api ?? 0))} MB`,
      `  draining ${backlog.drainSeconds} s: ${num(backlog.drainDeliveries)} deliveries = ${num(backlog.drainDeliveriesPerSec)}/s; ${num(backlog.queuedAfterDrain)} still queued`,
      `  heap with the backlog queued: ${memoryLine(backlog.memoryQueued)}`,
      `  heap after draining: ${memoryLine(backlog.memoryAfterDrain)}`,
      `  CPU cores while queueing: ${cpu(backlog.queueing.cpuCores)}; while draining: ${cpu(backlog.draining.cpuCores)} (worker/api/pg/redis/recv/bench/machine)`,
    );
  }
  if (census) {
    out.push("", "PostgreSQL round trips and Redis commands per event (census through counting proxies, one event at a time):");
    for (const entry of census.measured) {
      out.push(
        `  fan-out ${entry.fanOut}: createEvent in the API ${entry.api.roundTrips} PG, ${entry.api.redisCommands} Redis; fan-out and deliveries in the worker ${entry.worker.roundTrips} PG, ${entry.worker.redisCommands} Redis (${entry.workerPerDelivery.roundTrips.toFixed(1)} PG, ${entry.workerPerDelivery.redisCommands.toFixed(1)} Redis per delivery)`,
      );
    }
    out.push("  one event to one webhook, the API's statements in order:", ...census.sql.api.map((sql) => `    ${sql}`));
    out.push("  the worker's statements in order:", ...census.sql.worker.map((sql) => `    ${sql}`));
    out.push(
      `  the API's Redis commands: ${tallyLine(census.redis.api)}`,
      `  the worker's Redis commands: ${tallyLine(census.redis.worker)}`,
    );
  }
  if (checks.length > 0) {
    out.push("", "targets:");
    for (const check of checks) out.push(`  [${check.met ? "met" : "MISSED"}] ${check.target}: ${check.measured}`);
  }
  return out.join("\n");
}

function tallyLine(tally: Array<[string, number]>): string {
  return tally.map(([name, count]) => `${name} ×${count}`).join(", ");
}

function memoryLine(memory: Record<string, MemoryBreakdown>): string {
  return Object.entries(memory)
    .map(
      ([name, figures]) =>
        `${name} RSS ${num(figures.rssMb)} MB (V8 heap ${num(figures.heapUsedMb)} used / ${num(figures.heapTotalMb)} MB, external ${num(figures.externalMb)} MB)`,
    )
    .join("; ");
}

function table(rows: [string, ...string[]][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  const line = (row: string[]) =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ");
  const rule = widths.map((width) => "─".repeat(width)).join("  ");
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join("\n");
}

export function num(value: number): string {
  if (!Number.isFinite(value)) return "—";
  return Math.round(value).toLocaleString("en-US");
}

function latency(summary: LatencySummary): string {
  return [summary.p50, summary.p95, summary.p99, summary.max].map(num).join(" / ");
}

function cores(value: number | undefined): string {
  return value === undefined ? "—" : value.toFixed(2);
}

function cpu(usage: Record<string, number>): string {
  return [sumOf(usage, "worker"), usage.api, usage.postgres, usage.redis, usage.receiver, usage.bench, usage.machine].map(cores).join("/");
}

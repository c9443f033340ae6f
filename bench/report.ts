// The printed table and the target checks.
import type { CensusResult } from "./census.js";
import type { MemoryBreakdown } from "./memory.js";
import type { BenchOptions } from "./options.js";
import type { BacklogResult, PipelineResult } from "./scenarios.js";
import type { LatencySummary } from "./stats.js";

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

const RSS_LIMIT_MB = 300;
const P99_LIMIT_MS = 100;

export function checkTargets(options: BenchOptions, pipelines: PipelineResult[], backlog: BacklogResult | undefined): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const fanOut10 = pipelines.find((result) => result.scenario.name === "fanout10");
  if (fanOut10) {
    checks.push({
      target: "fan-out 10: end-to-end deliveries/s ≥ 0.5 × got direct-POST rate",
      measured: `${num(fanOut10.fullSpeed.deliveriesPerSec)}/s vs ${num(fanOut10.direct.got.perSecond)}/s = ${fanOut10.ratio.got.toFixed(2)} ×`,
      met: fanOut10.ratio.got >= 0.5,
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

export function formatReport(
  options: BenchOptions,
  pipelines: PipelineResult[],
  backlog: BacklogResult | undefined,
  checks: TargetCheck[],
  idleMemory: Record<string, MemoryBreakdown>,
  census?: CensusResult,
): string {
  const out: string[] = [`idle after start-up: ${memoryLine(idleMemory)}`, ""];
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
        "CPU cores, direct undici: bench/recv",
        ...pipelines.map(
          (result) => `${cores(result.direct.undici.usage.cpuCores.bench)} / ${cores(result.direct.undici.usage.cpuCores.receiver)}`,
        ),
      ],
    ];
    out.push(table(rows));
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
    out.push("", "PostgreSQL round trips per event (census through a counting proxy, one event at a time):");
    for (const entry of census.measured) {
      out.push(
        `  fan-out ${entry.fanOut}: createEvent in the API ${entry.api.roundTrips}; fan-out and deliveries in the worker ${entry.worker.roundTrips} (${entry.workerPerDelivery.roundTrips.toFixed(1)} per delivery)`,
      );
    }
    out.push("  one event to one webhook, the worker's statements in order:", ...census.sql.worker.map((sql) => `    ${sql}`));
  }
  if (checks.length > 0) {
    out.push("", "targets:");
    for (const check of checks) out.push(`  [${check.met ? "met" : "MISSED"}] ${check.target}: ${check.measured}`);
  }
  return out.join("\n");
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

// When things happen during the load, planned up front (milliseconds from the start of the load).
// Three phases at the same steady rate, so their latencies compare:
//   baseline  — every webhook but the hanging one, no chaos: the reference latency;
//   isolation — the hanging webhook added, still no chaos: its cost to the healthy ones;
//   chaos     — the worker SIGKILLed and restarted every `killEvery`, Redis connections dropped once.

export type PhaseName = "warm-up" | "baseline" | "isolation" | "chaos";

export interface Timeline {
  baselineEndMs: number;
  isolationEndMs: number;
  endMs: number;
  killsAtMs: number[];
  redisDropAtMs: number;
}

const QUIET_END_MS = 1000; // no chaos in the last second: the drain starts from a settled worker

export function planTimeline(durationS: number, killEveryS: number): Timeline {
  const endMs = durationS * 1000;
  const quietPhaseMs = Math.min(Math.max(Math.round(durationS * 0.2), 4), 60) * 1000;
  const chaosStartMs = 2 * quietPhaseMs;
  const chaosMs = endMs - chaosStartMs;
  const killEveryMs = killEveryS * 1000;
  const killsAtMs: number[] = [];
  for (let at = chaosStartMs + killEveryMs / 2; at <= endMs - QUIET_END_MS && killsAtMs.length < 10_000; at += killEveryMs)
    killsAtMs.push(at);
  // At least one kill, however short the chaos phase.
  if (killsAtMs.length === 0) killsAtMs.push(chaosStartMs + Math.round(chaosMs / 3));
  const afterFirstKill = killsAtMs[0]! + killEveryMs / 2;
  const redisDropAtMs = afterFirstKill <= endMs - QUIET_END_MS ? afterFirstKill : chaosStartMs + Math.round((2 * chaosMs) / 3);
  return { baselineEndMs: quietPhaseMs, isolationEndMs: chaosStartMs, endMs, killsAtMs, redisDropAtMs };
}

export function phaseAt(timeline: Timeline, atMs: number): PhaseName {
  if (atMs < 0) return "warm-up";
  if (atMs < timeline.baselineEndMs) return "baseline";
  if (atMs < timeline.isolationEndMs) return "isolation";
  return "chaos";
}

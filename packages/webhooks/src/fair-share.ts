import type { ScriptRunner } from "./delivery-rate-gate.js";

/**
 * How fast a workspace's recent deliveries are forgotten: a flood's weight halves every 10 s once
 * it stops, so a workspace that was noisy a minute ago is back among the quiet ones.
 */
export const FAIR_SHARE_HALF_LIFE_MS = 10_000;

/** bullmq's lowest priority (its PRIORITY_LIMIT); 0, no priority, goes before every prioritized job. */
const LOWEST_PRIORITY = 2 ** 21 - 1;

// A decaying count per workspace of the deliveries it enqueued, on Redis's clock (one clock for
// every worker): the count is multiplied by 1/2 per half-life since it was last touched, then
// this batch is added. Returns the count with the batch.
const WEIGH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local halfLife = tonumber(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'count', 'at')
local count = tonumber(state[1] or '0')
local at = tonumber(state[2] or tostring(now))
count = count * math.pow(0.5, math.max(0, now - at) / halfLife) + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'count', tostring(count), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], halfLife * 20)
return math.floor(count)`;

/**
 * Fair ordering of the deliveries queue between workspaces (docs/decisions.md, "Fair share"):
 * each fan-out's jobs get a bullmq priority from how many deliveries their workspace enqueued
 * recently, on a log scale, so a workspace that just queued ten thousand waits behind one that
 * queued ten, and workspaces of similar weight share one priority (first in, first out among them).
 */
export class FairShare {
  constructor(
    private readonly redis: ScriptRunner,
    private readonly keyPrefix: string,
  ) {}

  /** Counts `deliveries` more for the workspace; the bullmq priority its jobs get now (1 = first). */
  async priorityOf(workspaceId: number, deliveries: number): Promise<number> {
    const weight = Number(
      await this.redis.eval(WEIGH, 1, `${this.keyPrefix}:fair-share:${workspaceId}`, FAIR_SHARE_HALF_LIFE_MS, deliveries),
    );
    return priorityOfWeight(weight);
  }
}

/** 1 for a workspace that queued nothing recently, one step more for each doubling of what it queued. */
export function priorityOfWeight(weight: number): number {
  return Math.min(LOWEST_PRIORITY, 1 + Math.floor(Math.log2(1 + Math.max(0, weight))));
}

import { randomUUID } from "node:crypto";

/** What the gate needs of a Redis client (ioredis's Redis and Cluster both have it). */
export interface ScriptRunner {
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/**
 * The window the limit is counted over at the gate: a second plus a margin, so that a receiver
 * counting arrivals in any one second stays within the limit although requests take slightly
 * different times to reach it (docs/decisions.md, "Rate limit").
 */
export const RATE_WINDOW_MS = 1_050;

// A sliding log per webhook (KEYS[1]: when each recent delivery passed, by Redis's clock, so every
// worker replica counts on one clock) and, for those refused, the next free turn (KEYS[2]): each
// refused delivery is told to come back at its own turn, one spacing after the previous one, so
// a backlog is let through evenly instead of every waiter retrying at once.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
local turn = math.max(oldest + window, tonumber(redis.call('GET', KEYS[2]) or '0'))
local spacing = math.ceil(window / limit)
redis.call('SET', KEYS[2], turn + spacing, 'PX', turn + spacing - now + window)
return turn - now + 1`;

// A pass given back: the delivery it was for will not go now.
const RELEASE = `return redis.call('ZREM', KEYS[1], ARGV[1])`;

/**
 * A pass whose answer took longer than this to reach us (a stalled or starved worker) is given
 * back: sent now, its request would land beside the ones that passed while we were stalled.
 */
export const LATE_PASS_MS = 100;

/**
 * `max_deliveries_per_second`, enforced across every worker replica together: a delivery passes
 * the gate only while fewer than `limit` deliveries of its webhook passed in the last window.
 * One Redis script call per delivery of a limited webhook; the keys of one webhook share a hash
 * slot, so it works on a Redis Cluster too.
 */
export class DeliveryRateGate {
  constructor(
    private readonly redis: ScriptRunner,
    private readonly keyPrefix: string,
  ) {}

  /** 0 when the delivery may go now; otherwise how many milliseconds to wait before asking again. */
  async acquire(webhookId: number, limit: number): Promise<number> {
    const base = `${this.keyPrefix}:rate:{webhook-${webhookId}}`;
    const pass = randomUUID();
    const asked = performance.now();
    const wait = Number(await this.redis.eval(ACQUIRE, 2, `${base}:sent`, `${base}:turn`, limit, RATE_WINDOW_MS, pass));
    if (wait > 0 || performance.now() - asked <= LATE_PASS_MS) return wait;
    await this.redis.eval(RELEASE, 1, `${base}:sent`, pass);
    return Math.ceil(RATE_WINDOW_MS / limit);
  }
}

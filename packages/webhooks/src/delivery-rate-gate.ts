/** What the gate needs of a Redis client (ioredis's Redis and Cluster both have it). */
export interface ScriptRunner {
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/**
 * Deliveries of a webhook limited to N per second go out at least this long divided by N apart:
 * a second plus a margin, so that a receiver counting arrivals in any one second stays within the
 * limit although requests take slightly different times to reach it (docs/decisions.md, "Rate
 * limit").
 */
export const RATE_SPACING_BASE_MS = 1_050;

// Evenly spaced passes per webhook, on Redis's clock (every worker replica counts on one clock),
// in microseconds so that high limits keep their resolution. KEYS[1] holds `next` (the earliest
// moment the next delivery may pass) and `last` (the latest turn handed out); KEYS[2] maps each
// waiting call to its turn. A delivery passes when `next` has come and it holds a turn, or when
// nobody is waiting; otherwise it is given a turn at the end of the line (or, holding one already,
// told to come back when `next` comes), so a backlog drains in order, one spacing apart, with one
// return trip per delivery instead of every waiter asking again at once.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local spacing = tonumber(ARGV[1])
local call = ARGV[2]
local keep = tonumber(ARGV[3])
local nextFree = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local mine = redis.call('HGET', KEYS[2], call)
if now >= nextFree and (mine or last < now) then
  redis.call('HSET', KEYS[1], 'next', now + spacing)
  redis.call('HDEL', KEYS[2], call)
  redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(last, now + spacing) - now) / 1000) + keep)
  return 0
end
if mine then return math.max(1, math.ceil((nextFree - now) / 1000)) end
local turn = math.max(nextFree, last + spacing)
redis.call('HSET', KEYS[1], 'last', turn)
redis.call('HSET', KEYS[2], call, turn)
local expiry = math.ceil((turn - now) / 1000) + keep
redis.call('PEXPIRE', KEYS[1], expiry)
redis.call('PEXPIRE', KEYS[2], expiry)
return math.max(1, math.ceil((turn - now) / 1000))`;

// A pass not used: its delivery keeps its place at the front of the line (its slot goes unused).
const REINSTATE = `
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], ARGV[1], tonumber(t[1]) * 1000000 + tonumber(t[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * A pass whose answer took longer than this to reach us (a stalled or starved worker) is not
 * used: sent now, its request would land right beside the next delivery's.
 */
export const LATE_PASS_MS = 100;

/** How long the gate's keys outlive the last turn they hold: a line's state survives short pauses. */
const KEEP_MS = 60_000;

/**
 * `max_deliveries_per_second`, enforced across every worker replica together: a webhook's
 * deliveries pass the gate one at a time, at least 1.05 s / limit apart, so no second at the
 * receiver holds more than the limit even when a backlog drains. One Redis script call per
 * delivery of a limited webhook; the keys of one webhook share a hash slot, so it works on a
 * Redis Cluster too.
 */
export class DeliveryRateGate {
  constructor(
    private readonly redis: ScriptRunner,
    private readonly keyPrefix: string,
  ) {}

  /** 0 when call `callId` may be sent now; otherwise how many milliseconds to wait before asking again. */
  async acquire(webhookId: number, limit: number, callId: number): Promise<number> {
    const base = `${this.keyPrefix}:rate:{webhook-${webhookId}}`;
    const spacingMicros = Math.floor((RATE_SPACING_BASE_MS * 1000) / limit);
    const asked = performance.now();
    const wait = Number(await this.redis.eval(ACQUIRE, 2, `${base}:line`, `${base}:turns`, spacingMicros, callId, KEEP_MS));
    if (wait > 0 || performance.now() - asked <= LATE_PASS_MS) return wait;
    await this.redis.eval(REINSTATE, 1, `${base}:turns`, callId, KEEP_MS);
    return Math.ceil(spacingMicros / 1000);
  }
}

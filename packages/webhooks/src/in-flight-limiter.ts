/** Weight of the latest finished delivery in a key's recent pace: about the last ten count. */
const RECENT_WEIGHT = 0.2;
/** The pace of a key none of whose deliveries has finished yet, while some are in flight. */
const UNPROVEN_PACE_MS = 1_000;

/**
 * Caps the deliveries one worker process has in flight to any one webhook, so a receiver that
 * hangs until the timeout holds at most `maxPerWebhook` of the worker's slots and the others keep
 * flowing (the classic failure of queue-based senders: every slot waiting on one dead endpoint).
 * In-process on purpose: it protects this process's slots, and nothing in it must outlive it.
 */
export class InFlightLimiter {
  private readonly started = new Map<number, number[]>();
  private readonly waiting = new Map<number, Array<{ resolve: (startedAt: number | undefined) => void; timer: NodeJS.Timeout }>>();
  /** How long this key's deliveries took lately (a moving average of finished ones). */
  private readonly recentMs = new Map<number, number>();
  /** When this key last freed a slot. */
  private readonly lastFreedAt = new Map<number, number>();

  constructor(
    private readonly maxPerWebhook: number,
    private readonly maxDelayMs: number,
    private readonly minDelayMs = 100,
  ) {}

  tryAcquire(webhookId: number, now = Date.now()): boolean {
    const inFlight = this.started.get(webhookId) ?? [];
    if (inFlight.length >= this.maxPerWebhook) return false;
    inFlight.push(now);
    this.started.set(webhookId, inFlight);
    return true;
  }

  /**
   * tryAcquire, or else the next slot this key frees within `waitMs`, handed over in the order of
   * asking: where deliveries turn over in milliseconds, waiting here is sooner than a round trip to
   * the delayed set and back, and costs Redis nothing. Only while they do turn over (a slot freed
   * within the last `waitMs`) and with no more waiting than the cap: each waiter holds a slot of
   * the worker, and a key whose slots are all held by requests that hang would have them wait in
   * vain. Resolves with the start time to release with, or undefined when no slot freed in time.
   */
  acquireWithin(key: number, waitMs: number, now = Date.now()): Promise<number | undefined> {
    if (this.tryAcquire(key, now)) return Promise.resolve(now);
    if (waitMs <= 0 || now - (this.lastFreedAt.get(key) ?? -Infinity) > waitMs) return Promise.resolve(undefined);
    if ((this.waiting.get(key)?.length ?? 0) >= this.maxPerWebhook) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const queue = this.waiting.get(key) ?? [];
      const waiter = {
        resolve,
        timer: setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1);
          if (queue.length === 0) this.waiting.delete(key);
          resolve(undefined);
        }, waitMs),
      };
      queue.push(waiter);
      this.waiting.set(key, queue);
    });
  }

  /** A finished delivery gives its slot back; how long it took counts towards the key's pace. */
  release(webhookId: number, startedAt?: number): void {
    const now = Date.now();
    this.lastFreedAt.set(webhookId, now);
    if (startedAt !== undefined) {
      const tookMs = now - startedAt;
      const recent = this.recentMs.get(webhookId);
      this.recentMs.set(webhookId, recent === undefined ? tookMs : recent + (tookMs - recent) * RECENT_WEIGHT);
    }
    this.giveBack(webhookId, startedAt);
  }

  /** A slot taken and not used (the delivery stepped aside before it was sent): no pace to learn. */
  giveBack(webhookId: number, startedAt?: number): void {
    const inFlight = this.started.get(webhookId);
    if (!inFlight) return;
    const index = startedAt === undefined ? 0 : inFlight.indexOf(startedAt);
    inFlight.splice(index >= 0 ? index : 0, 1);
    if (inFlight.length === 0) this.started.delete(webhookId);
    const queue = this.waiting.get(webhookId);
    const next = queue?.shift();
    if (queue?.length === 0) this.waiting.delete(webhookId);
    if (!next) return;
    clearTimeout(next.timer);
    const handedOverAt = Date.now();
    if (this.tryAcquire(webhookId, handedOverAt)) next.resolve(handedOverAt);
    else next.resolve(undefined);
  }

  /**
   * How long this key's deliveries take: the longer of the oldest one still in flight and the
   * recent average of finished ones. A receiver that hangs until the timeout keeps a pace of the
   * timeout even in the moment after its deliveries timed out together and fresh ones started,
   * which an age alone would take for a fast receiver. A key with deliveries in flight and none
   * finished yet is taken for one of `UNPROVEN_PACE_MS` at least: a receiver that hangs from its
   * first request would otherwise look fast for a whole second (a healthy one proves itself with
   * its first answer, milliseconds later). 0 for a key with no history and none in flight.
   */
  paceMs(key: number, now = Date.now()): number {
    const recent = this.recentMs.get(key) ?? (this.started.has(key) ? UNPROVEN_PACE_MS : 0);
    return Math.max(this.oldestAgeMs(key, now), recent);
  }

  /** How long the oldest delivery in flight for this key has been waiting; 0 when none is. */
  private oldestAgeMs(key: number, now: number): number {
    const oldest = this.started.get(key)?.[0];
    return oldest === undefined ? 0 : now - oldest;
  }

  isFull(key: number): boolean {
    return this.inFlight(key) >= this.maxPerWebhook;
  }

  inFlight(webhookId: number): number {
    return this.started.get(webhookId)?.length ?? 0;
  }

  /**
   * How long a job refused a slot should wait before trying again: about the webhook's pace (a
   * hanging receiver earns long waits and little churn, a briefly busy fast one short waits),
   * jittered so retries spread out.
   */
  retryDelayMs(webhookId: number, now = Date.now(), random = Math.random): number {
    const base = Math.min(Math.max(this.paceMs(webhookId, now), this.minDelayMs), this.maxDelayMs);
    return Math.round(base * (0.5 + random()));
  }
}

/**
 * Caps the deliveries one worker process has in flight to any one webhook, so a receiver that
 * hangs until the timeout holds at most `maxPerWebhook` of the worker's slots and the others keep
 * flowing (the classic failure of queue-based senders: every slot waiting on one dead endpoint).
 * In-process on purpose: it protects this process's slots, and nothing in it must outlive it.
 */
export class InFlightLimiter {
  private readonly started = new Map<number, number[]>();
  private readonly waiting = new Map<number, Array<{ resolve: (startedAt: number | undefined) => void; timer: NodeJS.Timeout }>>();

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
   * the delayed set and back, and costs Redis nothing. Resolves with the start time to release
   * with, or undefined when no slot freed in time.
   */
  acquireWithin(key: number, waitMs: number, now = Date.now()): Promise<number | undefined> {
    if (this.tryAcquire(key, now)) return Promise.resolve(now);
    if (waitMs <= 0) return Promise.resolve(undefined);
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

  release(webhookId: number, startedAt?: number): void {
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

  /** How long the oldest delivery in flight for this key has been waiting; 0 when none is. */
  oldestAgeMs(key: number, now = Date.now()): number {
    const oldest = this.started.get(key)?.[0];
    return oldest === undefined ? 0 : now - oldest;
  }

  inFlight(webhookId: number): number {
    return this.started.get(webhookId)?.length ?? 0;
  }

  /**
   * How long a job refused a slot should wait before trying again: about as long as the oldest
   * delivery in flight to that webhook has taken so far (a hanging receiver earns long waits and
   * little churn, a briefly busy fast one short waits), jittered so retries spread out.
   */
  retryDelayMs(webhookId: number, now = Date.now(), random = Math.random): number {
    const oldest = this.started.get(webhookId)?.[0] ?? now;
    const base = Math.min(Math.max(now - oldest, this.minDelayMs), this.maxDelayMs);
    return Math.round(base * (0.5 + random()));
  }
}

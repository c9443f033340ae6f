/**
 * Caps the deliveries one worker process has in flight to any one webhook, so a receiver that
 * hangs until the timeout holds at most `maxPerWebhook` of the worker's slots and the others keep
 * flowing (the classic failure of queue-based senders: every slot waiting on one dead endpoint).
 * In-process on purpose: it protects this process's slots, and nothing in it must outlive it.
 */
export class InFlightLimiter {
  private readonly started = new Map<number, number[]>();

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

  release(webhookId: number, startedAt?: number): void {
    const inFlight = this.started.get(webhookId);
    if (!inFlight) return;
    const index = startedAt === undefined ? 0 : inFlight.indexOf(startedAt);
    inFlight.splice(index >= 0 ? index : 0, 1);
    if (inFlight.length === 0) this.started.delete(webhookId);
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

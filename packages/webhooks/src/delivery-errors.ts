/** A failed attempt that bullmq should retry after `delayMs` (read by the "webhook" backoff strategy). */
export class RetryableDeliveryError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = "RetryableDeliveryError";
  }
}

/**
 * A delivery held back by its webhook's rate limit: nothing was sent and no attempt is counted;
 * the processor puts the job back to wait `delayMs` (docs/api.md, max_deliveries_per_second).
 */
export class ThrottledDelivery extends Error {
  constructor(
    readonly delayMs: number,
    reason = "rate limit reached",
  ) {
    super(`${reason}; waiting ${delayMs} ms`);
    this.name = "ThrottledDelivery";
  }
}

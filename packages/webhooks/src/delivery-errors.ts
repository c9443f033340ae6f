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

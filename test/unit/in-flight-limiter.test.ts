import { describe, expect, it } from "@jest/globals";
import { InFlightLimiter } from "@modelhooks/webhooks";

// The worker's in-process slot caps (per webhook, per workspace): a delivery that finds its cap
// full may wait a moment for the next slot its key frees instead of stepping aside through Redis.

describe("InFlightLimiter.acquireWithin", () => {
  it("takes a free slot at once, and hands the next freed one to whoever waits, in order", async () => {
    const limiter = new InFlightLimiter(1, 10_000);
    const first = await limiter.acquireWithin(7, 0);
    expect(first).toBeDefined();
    const second = limiter.acquireWithin(7, 1_000);
    const third = limiter.acquireWithin(7, 1_000);
    limiter.release(7, first);
    const secondAt = await second;
    expect(secondAt).toBeDefined();
    expect(limiter.inFlight(7)).toBe(1);
    limiter.release(7, secondAt);
    expect(await third).toBeDefined();
    expect(limiter.inFlight(7)).toBe(1);
  });

  it("gives up when no slot frees within the wait, and at once without one; other keys are not affected", async () => {
    const limiter = new InFlightLimiter(1, 10_000);
    await limiter.acquireWithin(7, 0);
    expect(await limiter.acquireWithin(7, 0)).toBeUndefined();
    const started = Date.now();
    expect(await limiter.acquireWithin(7, 50)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(await limiter.acquireWithin(8, 0)).toBeDefined();
    // A waiter that gave up is not handed a slot later.
    limiter.release(7);
    expect(limiter.inFlight(7)).toBe(0);
  });
});

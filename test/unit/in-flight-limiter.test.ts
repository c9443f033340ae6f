import { describe, expect, it } from "@jest/globals";
import { InFlightLimiter } from "@modelhooks/webhooks";

// The worker's in-process slot caps (per webhook, per workspace): a delivery that finds its cap
// full may wait a moment for the next slot its key frees instead of stepping aside through Redis,
// but only while the key's slots turn over; and each key learns how long its deliveries take.

/** A limiter of `max` slots for key 7 whose slots were just seen turning over. */
function turningOver(max: number): InFlightLimiter {
  const limiter = new InFlightLimiter(max, 10_000);
  limiter.tryAcquire(7);
  limiter.release(7, Date.now());
  return limiter;
}

describe("InFlightLimiter.acquireWithin", () => {
  it("takes a free slot at once, and hands the next freed one to whoever waits, in order", async () => {
    const limiter = turningOver(2);
    const first = await limiter.acquireWithin(7, 0);
    expect(first).toBeDefined();
    expect(await limiter.acquireWithin(7, 0)).toBeDefined();
    const order: string[] = [];
    const second = limiter.acquireWithin(7, 1_000).then((at) => (order.push("second"), at));
    const third = limiter.acquireWithin(7, 1_000).then((at) => (order.push("third"), at));
    limiter.release(7, first);
    const secondAt = await second;
    expect(secondAt).toBeDefined();
    expect(limiter.inFlight(7)).toBe(2);
    limiter.release(7, secondAt);
    expect(await third).toBeDefined();
    expect(order).toEqual(["second", "third"]);
    expect(limiter.inFlight(7)).toBe(2);
  });

  it("gives up when no slot frees within the wait, and at once without one; other keys are not affected", async () => {
    const limiter = turningOver(1);
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

  it("does not wait on a key whose slots have not freed lately (its requests hang), nor beyond as many waiting as the cap", async () => {
    const hanging = new InFlightLimiter(2, 10_000);
    hanging.tryAcquire(7);
    hanging.tryAcquire(7);
    const started = Date.now();
    expect(await hanging.acquireWithin(7, 1_000)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(50);

    const busy = turningOver(2);
    busy.tryAcquire(7);
    busy.tryAcquire(7);
    const waiters = [busy.acquireWithin(7, 1_000), busy.acquireWithin(7, 1_000)];
    expect(await busy.acquireWithin(7, 1_000)).toBeUndefined();
    busy.release(7);
    busy.release(7);
    expect(await Promise.all(waiters)).toEqual([expect.any(Number), expect.any(Number)]);
  });
});

describe("InFlightLimiter.paceMs", () => {
  it("is how long finished deliveries took, and a slot given back unused teaches nothing", async () => {
    const limiter = new InFlightLimiter(5, 10_000);
    expect(limiter.paceMs(7)).toBe(0);
    const now = Date.now();
    limiter.tryAcquire(7, now - 4_000);
    limiter.release(7, now - 4_000);
    expect(limiter.paceMs(7)).toBeGreaterThanOrEqual(4_000);
    // Fresh requests started just now do not make a receiver that took seconds look fast.
    limiter.tryAcquire(7, Date.now());
    expect(limiter.paceMs(7)).toBeGreaterThanOrEqual(4_000);

    const other = new InFlightLimiter(5, 10_000);
    other.tryAcquire(8, now - 4_000);
    other.giveBack(8, now - 4_000);
    expect(other.paceMs(8)).toBe(0);
    expect(other.retryDelayMs(8, Date.now(), () => 0.5)).toBe(100);

    // In flight and never finished: a receiver that hangs from its first request is not taken for a fast one.
    other.tryAcquire(9, Date.now());
    expect(other.paceMs(9)).toBeGreaterThanOrEqual(1_000);
  });
});

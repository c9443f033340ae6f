import { describe, expect, it } from "@jest/globals";
import { DeliverySlots, ThrottledDelivery } from "@modelhooks/webhooks";

// One worker's delivery slots (docs/reliability.md, "No workspace starves another"): capped per
// webhook and per workspace; a new delivery that could not be served now is queued for later.

const WORKSPACE = 1;
const HANGING = 10;
const HEALTHY = 11;

describe("DeliverySlots", () => {
  it("refuses a workspace's deliveries beyond its cap, and a webhook's beyond its own, saying how long to step aside", async () => {
    const slots = new DeliverySlots({ perWebhook: 2, perWorkspace: 3, timeoutMs: 10_000 });
    await slots.acquire(HANGING, WORKSPACE);
    await slots.acquire(HANGING, WORKSPACE);
    await expect(slots.acquire(HANGING, WORKSPACE)).rejects.toThrow("webhook at its in-flight cap");
    await slots.acquire(HEALTHY, WORKSPACE);
    const refusal = await slots.acquire(HEALTHY, WORKSPACE).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ThrottledDelivery);
    expect((refusal as ThrottledDelivery).message).toContain("workspace at its in-flight cap");
    expect(slots.inFlight(HEALTHY)).toBe(1);
    // Another workspace is not held back by this one.
    await expect(slots.acquire(20, 2)).resolves.toMatchObject({ webhookId: 20 });
  });

  it("queues a new delivery for later only when its webhook is slow and its slots are all taken", async () => {
    const slots = new DeliverySlots({ perWebhook: 5, perWorkspace: 2, timeoutMs: 10_000 });
    const longAgo = Date.now() - 5_000;
    // Two deliveries to the hanging webhook have waited five seconds and still hold the workspace's slots.
    await slots.acquire(HANGING, WORKSPACE, longAgo);
    await slots.acquire(HANGING, WORKSPACE, longAgo);
    expect(slots.delayForNew(HANGING, WORKSPACE)).toBeGreaterThanOrEqual(2_500);
    // A webhook with nothing in flight and no history is tried at once, as is any webhook of another workspace.
    expect(slots.delayForNew(HEALTHY, WORKSPACE)).toBe(0);
    expect(slots.delayForNew(HANGING, 2)).toBe(0);

    const fast = new DeliverySlots({ perWebhook: 5, perWorkspace: 2, timeoutMs: 10_000 });
    const lease = await fast.acquire(HEALTHY, WORKSPACE);
    fast.release(lease);
    await fast.acquire(HEALTHY, WORKSPACE);
    await fast.acquire(HEALTHY, WORKSPACE);
    // Full, but its deliveries turn over in milliseconds: it is fetched and waits for the next slot instead.
    expect(fast.delayForNew(HEALTHY, WORKSPACE)).toBe(0);
  });
});

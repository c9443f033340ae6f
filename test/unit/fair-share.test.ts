import { expect, it } from "@jest/globals";
import { FAIR_SHARE_HALF_LIFE_MS, FairShare, priorityOfWeight } from "../../packages/queues/src/fair-share.js";

it("puts a workspace that queued much lately behind one that queued little, and forgets a flood as it fades", () => {
  let now = 0;
  const share = new FairShare(() => now);
  for (let n = 0; n < 1000; n++) share.priorityOf(1, 10); // workspace 1: ten thousand jobs
  const quiet = share.priorityOf(2, 1);
  const busy = share.priorityOf(1, 1);
  expect(quiet).toBe(2);
  expect(busy).toBe(priorityOfWeight(10_001));
  expect(busy).toBeGreaterThan(quiet + 10);

  // Ten half-lives later the flood weighs about ten jobs: back among the light workspaces.
  now += 10 * FAIR_SHARE_HALF_LIFE_MS;
  expect(share.priorityOf(1, 1)).toBe(priorityOfWeight(10_001 / 1024 + 1));
  expect(share.priorityOf(1, 0)).toBeLessThanOrEqual(5);
});

it("spans bullmq's priorities: 1 for nothing queued, never beyond its lowest", () => {
  expect(priorityOfWeight(0)).toBe(1);
  expect(priorityOfWeight(1)).toBe(2);
  expect(priorityOfWeight(200)).toBe(8);
  expect(priorityOfWeight(Number.MAX_VALUE)).toBeLessThanOrEqual(2 ** 21 - 1);
});

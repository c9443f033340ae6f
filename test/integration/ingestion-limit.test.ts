import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { postEvent } from "../support/calls.js";
import { createHarness, type Harness } from "../support/harness.js";
import { REGISTRY } from "../support/registry-steps.js";

// EVENTS_PER_WORKSPACE_PER_SECOND (docs/security.md): a workspace's events enter at the limit's
// pace; one flooding createEvent waits for the next second and past that is refused with 429 and
// Retry-After before anything is written, while another workspace goes on, and the registry's own
// events (a member's model CRUD) are not counted against it.

const LIMIT = 5;
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { EVENTS_PER_WORKSPACE_PER_SECOND: String(LIMIT) } });
});
afterAll(async () => {
  await h.close();
});

it("refuses a workspace's events over its limit with 429 and Retry-After, records none of them, and serves another workspace meanwhile", async () => {
  const [noisy, quiet] = [await h.createWorkspace(), await h.createWorkspace()];
  const noisyUuids = Array.from({ length: 3 * LIMIT }, (_, n) => `flood-${n}`);
  const [noisyAnswers, quietAnswers] = await Promise.all([
    Promise.all(noisyUuids.map((uuid) => postEvent(h, noisy.id, uuid))),
    Promise.all(Array.from({ length: LIMIT }, (_, n) => postEvent(h, quiet.id, `steady-${n}`))),
  ]);

  const accepted = noisyUuids.filter((_, n) => noisyAnswers[n]?.status === 202);
  const refused = noisyAnswers.filter((answer) => answer.status !== 202);
  // Those over the first second's limit waited for the next one and took its allowance, never more
  // than the limit in each second; the rest were refused.
  expect(accepted.length).toBeGreaterThan(LIMIT);
  expect(accepted.length).toBeLessThanOrEqual(2 * LIMIT);
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.length).toBe(noisyUuids.length - accepted.length);
  for (const answer of refused) {
    expect(answer.status).toBe(429);
    expect(answer.body.error.code).toBe("resource_exhausted");
    expect(answer.body.error.message).toContain("EVENTS_PER_WORKSPACE_PER_SECOND");
    expect(answer.headers["retry-after"]).toBe("1");
  }
  expect(quietAnswers.map((answer) => answer.status)).toEqual(Array(LIMIT).fill(202));

  const recorded = await h.api.db.event.findMany({ where: { workspaceId: noisy.id }, select: { uuid: true } });
  expect(recorded.map((event) => event.uuid).sort()).toEqual([...accepted].sort());
  expect(await h.api.db.event.count({ where: { workspaceId: quiet.id } })).toBe(LIMIT);
  // The quiet workspace sent its whole second's allowance at once: paced, not refused, its last
  // event recorded most of a second after its first.
  const quietTimes = (await h.api.db.event.findMany({ where: { workspaceId: quiet.id }, select: { createdAt: true } }))
    .map((event) => event.createdAt.getTime())
    .sort((a, b) => a - b);
  expect((quietTimes.at(-1) as number) - (quietTimes[0] as number)).toBeGreaterThanOrEqual(((LIMIT - 1) * 1000) / LIMIT - 50);

  // The registry emits its own events; a workspace over its createEvent limit still works.
  const model = await h.post(`${REGISTRY}/workspaces/${noisy.name}/registered_models`, { name: "still-works" });
  expect(model.status).toBe(200);

  // Told to come back after Retry-After, it is accepted.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const refusedUuid = noisyUuids.find((uuid) => !accepted.includes(uuid)) as string;
  expect((await postEvent(h, noisy.id, refusedUuid)).status).toBe(202);
});

import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { QUEUE_KEYS, queueCatalog } from "@modelhooks/queues";
import { createHarness, type Harness } from "../support/harness.js";

// Bull Board is for looking (docs/decisions.md, "Queue dashboard"): a retry on a finished call's job
// would do nothing, a promoted deadline would end a promotion early, a cleaned queue would drop
// jobs. Every queue is read-only, and the board's own API refuses the actions, not just the UI.

let h: Harness;
const basic = `Basic ${Buffer.from("admin@modelhooks.test:test-admin-developer-key").toString("base64")}`;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe("the queue dashboard", () => {
  it("reports every queue read-only, with retries off", async () => {
    const page = await h.request.get("/admin/queues/api/queues").set("authorization", basic);
    expect(page.status).toBe(200);
    const queues = page.body.queues as Array<{ name: string; readOnlyMode: boolean; allowRetries: boolean }>;
    expect(queues.map((queue) => queue.name).sort()).toEqual(QUEUE_KEYS.map((key) => queueCatalog[key].name).sort());
    for (const queue of queues) {
      expect({ name: queue.name, readOnlyMode: queue.readOnlyMode, allowRetries: queue.allowRetries }).toEqual({
        name: queue.name,
        readOnlyMode: true,
        allowRetries: false,
      });
    }
  });

  it("refuses retry, promote, clean, add, pause and empty on the delivery queue, and the job stays as it was", async () => {
    await h.api.queues.add("deliveries", "call 1", { callId: 1, webhookId: 1 }, { jobId: "call-1", delay: 60_000 });
    const job = await h.api.queues.queues.deliveries.getJob("call-1");
    expect(await job?.getState()).toBe("delayed");
    const base = "/admin/queues/api/queues/deliveries";
    const actions: Array<["put" | "post", string]> = [
      ["put", `${base}/call-1/retry`],
      ["put", `${base}/call-1/promote`],
      ["put", `${base}/call-1/clean`],
      ["put", `${base}/retry/failed`],
      ["put", `${base}/retry/completed`],
      ["put", `${base}/promote`],
      ["put", `${base}/clean/completed`],
      ["put", `${base}/clean/failed`],
      ["put", `${base}/pause`],
      ["put", `${base}/empty`],
      ["put", `${base}/obliterate`],
      ["post", `${base}/add`],
      ["put", "/admin/queues/api/queues/maintenance/job-schedulers/outbox-relay/remove"],
    ];
    for (const [method, path] of actions) {
      const answer = await h.request[method](path).set("authorization", basic).send({ name: "x", data: {} });
      expect({ path, status: answer.status }).toEqual({ path, status: 405 });
    }
    // "Pause all" skips read-only queues.
    expect((await h.request.put("/admin/queues/api/queues/pause").set("authorization", basic)).status).toBe(200);
    expect(await job?.getState()).toBe("delayed");
    expect(await h.api.queues.queues.deliveries.getJobCounts()).toMatchObject({ delayed: 1, waiting: 0, completed: 0, failed: 0 });
    expect(await h.api.queues.queues.deliveries.isPaused()).toBe(false);
    // Reading still works: the job's page is what the board is for.
    const detail = await h.request.get(`${base}/call-1`).set("authorization", basic);
    expect(detail.status).toBe(200);
  });
});

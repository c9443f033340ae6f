import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { jobIds } from "@modelhooks/queues";
import { recoverOverdueCalls } from "@modelhooks/webhooks";
import { createHarness, type Harness } from "../support/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await createHarness(); // no worker: jobs stay where the relay puts them
});
afterAll(async () => {
  await h.close();
});

it("sweeps overdue calls batch after batch, so calls with live jobs cannot hide lost ones", async () => {
  const workspace = await h.createWorkspace();
  const webhook = await h.api.db.webhook.create({
    data: { workspaceId: workspace.id, name: "sweep", location: "https://example.com/h", allEvents: true },
  });
  const event = await h.api.db.event.create({
    data: {
      uuid: "sweep-event",
      workspaceId: workspace.id,
      eventType: "CREATE",
      resourceType: "BUILD",
      timestamp: new Date(),
      payload: {},
    },
  });
  const first = await h.api.db.webhookCall.create({ data: { eventId: event.id, webhookId: webhook.id } });
  const calls = [first];
  for (let index = 0; index < 2; index++) {
    calls.push(await h.api.db.webhookCall.create({ data: { eventId: event.id, webhookId: webhook.id, retriggerOfId: first.id } }));
  }
  // Overdue: nothing touched them for a minute, and Redis holds no job for them.
  await h.api.db.$executeRaw`UPDATE webhook_calls SET updated_at = now() - interval '1 minute'`;
  const cursor = { afterId: 0 };
  const sweep = () => recoverOverdueCalls(h.api.db, h.api.queues, h.api.logger, 1000, cursor, 2);

  expect(await sweep()).toBe(2);
  expect(cursor.afterId).toBe(calls[1]!.id);
  expect(await sweep()).toBe(1); // the batch after the cursor, not the same two again
  expect(cursor.afterId).toBe(0); // last batch: the next pass starts over
  expect(await sweep()).toBe(0); // every job is present now
  for (const call of calls) {
    const job = await h.api.queues.queues.deliveries.getJob(jobIds.call(call.id));
    expect(job?.data).toEqual({ callId: call.id, webhookId: webhook.id, workspaceId: workspace.id });
  }
});

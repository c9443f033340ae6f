import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { jobIds } from "@modelhooks/queues";
import { fanOutEvent } from "@modelhooks/webhooks";
import { createHarness, type Harness } from "../support/harness.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// fanOutEvent on the real PostgreSQL and Redis, without a worker: the jobs stay where it puts them.

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

async function eventWithWebhooks(uuid: string, count: number) {
  const workspace = await h.createWorkspace();
  const webhooks = await Promise.all(
    Array.from({ length: count }, (_, n) =>
      h.api.db.webhook.create({
        data: { workspaceId: workspace.id, name: `${uuid}-${n}`, location: "https://example.com/h", allEvents: true },
      }),
    ),
  );
  const event = await h.api.db.event.create({
    data: { uuid, workspaceId: workspace.id, eventType: "CREATE", resourceType: "BUILD", timestamp: new Date(), payload: {} },
  });
  return { event, webhooks };
}

const jobOf = (callId: number) => h.api.queues.queues.deliveries.getJob(jobIds.call(callId));

describe("fanOutEvent", () => {
  it("creates a call and a job per matching webhook; a re-run creates nothing and enqueues only calls not yet final", async () => {
    const { event, webhooks } = await eventWithWebhooks("fan-rerun", 3);
    expect(await fanOutEvent(h.api.db, h.api.queues, event.id, { pageSize: 1000 })).toMatchObject({ matched: 3, enqueued: 3 });
    const calls = await h.api.db.webhookCall.findMany({ where: { eventId: event.id }, orderBy: { id: "asc" } });
    const byId = (a: number, b: number) => a - b;
    expect(calls.map((call) => call.webhookId).sort(byId)).toEqual(webhooks.map((webhook) => webhook.id).sort(byId));
    for (const call of calls)
      expect((await jobOf(call.id))?.data).toEqual({ callId: call.id, webhookId: call.webhookId, workspaceId: expect.any(Number) });

    await h.api.db.webhookCall.update({ where: { id: calls[0]!.id }, data: { status: "SUCCESS", attempts: 1 } });
    expect(await fanOutEvent(h.api.db, h.api.queues, event.id, { pageSize: 1000 })).toMatchObject({ matched: 3, enqueued: 2 });
    expect(await h.api.db.webhookCall.count({ where: { eventId: event.id } })).toBe(3);
    expect((await h.api.db.event.findUniqueOrThrow({ where: { id: event.id } })).fannedOutAt).not.toBeNull();
  });

  it("enqueues a call that a concurrent fan-out of the same event committed after this one began", async () => {
    // The other run (a stalled job re-run beside the first) inserts the call and dies before
    // enqueueing it; this run's INSERT waits on that row, then must still hand it to Redis.
    const { event, webhooks } = await eventWithWebhooks("fan-race", 1);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let inserted = false;
    const otherRun = h.api.db.$transaction(
      async (tx) => {
        const call = await tx.webhookCall.create({ data: { eventId: event.id, webhookId: webhooks[0]!.id } });
        inserted = true;
        await released;
        return call;
      },
      { timeout: 30_000 },
    );
    await waitFor(() => inserted, { what: "the other run's uncommitted insert" });
    const thisRun = fanOutEvent(h.api.db, h.api.queues, event.id, { pageSize: 1000 });
    await waitFor(
      async () =>
        (
          await h.api.db.$queryRawUnsafe<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO webhook_calls%'`,
          )
        )[0]!.n > 0,
      {
        what: "this run blocked on the other run's row",
      },
    );
    release();
    const committed = await otherRun;
    expect(await thisRun).toMatchObject({ matched: 1, enqueued: 1 });
    expect((await jobOf(committed.id))?.data).toEqual({
      callId: committed.id,
      webhookId: webhooks[0]!.id,
      workspaceId: expect.any(Number),
    });
    expect(await h.api.db.webhookCall.count({ where: { eventId: event.id } })).toBe(1);
  });
});

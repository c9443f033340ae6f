import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { jobIds } from "@modelhooks/queues";
import { fanOutEvent, type FanOutProgress } from "@modelhooks/webhooks";
import { sendEvent } from "../support/calls.js";
import { createHarness, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// One event to more webhooks than a page holds: 50 webhooks in pages of 7 (seven full pages and a
// partial one), through the real worker, and a fan-out that dies between pages and is run again.

const PAGE_SIZE = 7;
const WEBHOOKS = 50;

let h: Harness;
const receiver = Receiver.forThisFile();
beforeAll(async () => {
  h = await createHarness({ worker: true, env: { FANOUT_PAGE_SIZE: String(PAGE_SIZE) } });
});
afterAll(async () => {
  await h.close();
});

async function workspaceWithWebhooks(count: number, location: string) {
  const workspace = await h.createWorkspace();
  // Webhooks of another workspace interleave with these ids: pages are ranges of webhook ids, not of this workspace's.
  const other = await h.createWorkspace();
  const ids: number[] = [];
  for (let n = 0; n < count; n++) {
    const webhook = await h.api.db.webhook.create({ data: { workspaceId: workspace.id, name: `page-${n}`, location, allEvents: true } });
    ids.push(webhook.id);
    if (n % 3 === 0) await h.api.db.webhook.create({ data: { workspaceId: other.id, name: `other-${n}`, location, allEvents: true } });
  }
  return { workspace, ids };
}

describe("fan-out in pages", () => {
  it("delivers one event to 50 webhooks in pages of 7: exactly one call per webhook, every one delivered once", async () => {
    const { workspace, ids } = await workspaceWithWebhooks(WEBHOOKS, receiver.url("/pages"));
    await sendEvent(h, workspace.id, "paged-event");
    await waitFor(
      () => new Set(receiver.requests.filter((r) => r.path === "/pages").map((r) => r.headers["x-modelhooks-call-id"])).size >= WEBHOOKS,
      {
        what: `${WEBHOOKS} deliveries`,
        timeoutMs: 30_000,
      },
    );
    const event = await h.api.db.event.findFirstOrThrow({ where: { workspaceId: workspace.id, uuid: "paged-event" } });
    await waitFor(async () => (await h.api.db.webhookCall.count({ where: { eventId: event.id, status: "SUCCESS" } })) === WEBHOOKS, {
      what: "every call recorded SUCCESS",
    });
    const calls = await h.api.db.webhookCall.findMany({ where: { eventId: event.id } });
    expect(calls.map((call) => call.webhookId).sort((a, b) => a - b)).toEqual(ids);
    expect(calls.every((call) => call.attempts === 1)).toBe(true);
    const bodies = receiver.requests.filter((r) => r.path === "/pages");
    expect(bodies).toHaveLength(WEBHOOKS);
    expect(new Set(bodies.map((r) => r.json.webhook.id)).size).toBe(WEBHOOKS);
    expect((await h.api.db.event.findUniqueOrThrow({ where: { id: event.id } })).fannedOutAt).not.toBeNull();
  });

  it("resumes after the last page a dead run recorded, and a full re-run creates nothing new", async () => {
    await h.stopWorker();
    const { workspace, ids } = await workspaceWithWebhooks(WEBHOOKS, "https://example.com/not-sent");
    const event = await h.api.db.event.create({
      data: {
        uuid: "resumed-event",
        workspaceId: workspace.id,
        eventType: "CREATE",
        resourceType: "BUILD",
        timestamp: new Date(),
        payload: {},
      },
    });
    let recorded: FanOutProgress | undefined;
    let pages = 0;
    const dies = fanOutEvent(h.api.db, h.api.queues, event.id, {
      pageSize: PAGE_SIZE,
      onPage: async (progress) => {
        recorded = progress;
        if (++pages === 3) throw new Error("worker died");
      },
    });
    await expect(dies).rejects.toThrow("worker died");
    expect(recorded).toEqual({ afterWebhookId: ids[3 * PAGE_SIZE - 1], matched: 3 * PAGE_SIZE, enqueued: 3 * PAGE_SIZE });
    expect(await h.api.db.webhookCall.count({ where: { eventId: event.id } })).toBe(3 * PAGE_SIZE);
    expect((await h.api.db.event.findUniqueOrThrow({ where: { id: event.id } })).fannedOutAt).toBeNull();

    const resumed = await fanOutEvent(h.api.db, h.api.queues, event.id, { pageSize: PAGE_SIZE, resumeFrom: recorded });
    expect(resumed).toMatchObject({ matched: WEBHOOKS, enqueued: WEBHOOKS });
    // A run from the start (no progress recorded): ON CONFLICT makes it create nothing, and the calls keep their jobs.
    expect(await fanOutEvent(h.api.db, h.api.queues, event.id, { pageSize: PAGE_SIZE })).toMatchObject({
      matched: WEBHOOKS,
      enqueued: WEBHOOKS,
    });

    const calls = await h.api.db.webhookCall.findMany({ where: { eventId: event.id } });
    expect(calls.map((call) => call.webhookId).sort((a, b) => a - b)).toEqual(ids);
    for (const call of calls) {
      expect((await h.api.queues.queues.deliveries.getJob(jobIds.call(call.id)))?.data).toEqual({
        callId: call.id,
        webhookId: call.webhookId,
        workspaceId: expect.any(Number),
      });
    }
    expect((await h.api.db.event.findUniqueOrThrow({ where: { id: event.id } })).fannedOutAt).not.toBeNull();
  });
});

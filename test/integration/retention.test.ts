import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import pg from "pg";
import type { Job } from "bullmq";
import { createLogger } from "@modelhooks/observability";
import type { JobInput } from "@modelhooks/queues";
import { enforceRetention, pruneDeliveryLog } from "@modelhooks/webhooks";
import { createRetentionProcessor } from "../../apps/worker/src/processors/retention.js";
import { closeWorkerDeps, createWorkerDeps, type WorkerDeps } from "../../apps/worker/src/worker-deps.js";
import { startWorkers, type RunningWorkers } from "../../apps/worker/src/workers.js";
import { waitFor } from "../../scripts/lib/wait-for.js";
import { callsOf, sendEvent, sendEvents } from "../support/calls.js";
import { createHarness, type Harness } from "../support/harness.js";
import { waitForIdle } from "../support/pipeline-idle.js";
import { Receiver } from "../support/receiver.js";

// Retention (docs/reliability.md, "Retention"): what is older than RETENTION_DAYS goes, in
// batches; what may still be needed stays. Rows are made old by moving their timestamps back
// 40 days, against the default 30-day retention. The harness's own worker has retention off
// (RETENTION_DAYS=0), so only the runs a test starts delete anything.

let h: Harness;
const receiver = Receiver.forThisFile();
const DAY = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { RETENTION_DAYS: "0", DELIVERY_MAX_ATTEMPTS: "2" } });
});
afterAll(async () => {
  await h.close();
});

/** Moves events (by uuid, in one workspace) and their calls and attempts 40 days back. */
async function age(workspaceId: number, uuids: string[]): Promise<void> {
  const events = `SELECT id FROM events WHERE workspace_id = $1 AND uuid = ANY($2::text[])`;
  await h.api.db.$executeRawUnsafe(
    `UPDATE events SET created_at = created_at - interval '40 days' WHERE id IN (${events})`,
    workspaceId,
    uuids,
  );
  await h.api.db.$executeRawUnsafe(
    `UPDATE webhook_calls SET created_at = created_at - interval '40 days', updated_at = updated_at - interval '40 days' WHERE event_id IN (${events})`,
    workspaceId,
    uuids,
  );
  await h.api.db.$executeRawUnsafe(
    `UPDATE webhook_call_attempts SET started_at = started_at - interval '40 days' WHERE call_id IN (SELECT id FROM webhook_calls WHERE event_id IN (${events}))`,
    workspaceId,
    uuids,
  );
}

async function rowsOf(workspaceId: number, uuid: string) {
  const event = await h.api.db.event.findUnique({ where: { workspaceId_uuid: { workspaceId, uuid } } });
  if (!event) return { event: 0, calls: 0, attempts: 0 };
  const calls = await h.api.db.webhookCall.findMany({ where: { eventId: event.id }, select: { id: true } });
  const attempts = await h.api.db.webhookCallAttempt.count({ where: { callId: { in: calls.map((call) => call.id) } } });
  return { event: 1, calls: calls.length, attempts };
}

const retain = (batchSize = 500) => enforceRetention(h.api.db, { retentionDays: 30, batchSize });

// Each test counts what one run deletes: old rows another test left behind go first.
beforeEach(async () => {
  await retain();
});

describe("retention", () => {
  it("deletes old events with their calls and attempts in batches; recent rows and calls still in progress stay", async () => {
    const workspace = await h.createWorkspace();
    receiver.sequence(`/r-${workspace.id}`, [500, 200]);
    await h.createWebhook({ name: "kept", location: receiver.url(`/r-${workspace.id}`), all_events: true, workspace_id: workspace.id });
    await sendEvents(h, workspace.id, "old", 5);
    await sendEvent(h, workspace.id, "old-in-progress");
    await sendEvent(h, workspace.id, "old-pending");
    await sendEvent(h, workspace.id, "recent");
    await waitForIdle(h);
    expect(await rowsOf(workspace.id, "old-0")).toEqual({ event: 1, calls: 1, attempts: expect.any(Number) });
    // No worker while two calls are made to look unfinished: nothing may finish them meanwhile.
    await h.stopWorker();
    try {
      await oldRowsGoRecentAndUnfinishedStay(workspace.id);
    } finally {
      await h.api.db.$executeRawUnsafe(
        `UPDATE webhook_calls SET status = 'SUCCESS' FROM events e WHERE e.id = webhook_calls.event_id AND e.workspace_id = $1`,
        workspace.id,
      );
      await h.startWorker();
    }
    // Final now, and old: they go too.
    expect(await retain()).toMatchObject({ events: 2 });
  });

  async function oldRowsGoRecentAndUnfinishedStay(workspaceId: number) {
    const workspace = { id: workspaceId };
    await age(workspace.id, ["old-0", "old-1", "old-2", "old-3", "old-4", "old-in-progress", "old-pending"]);
    // A delivery under way (between attempts) and one not yet tried, as a worker would leave them.
    await h.api.db.$executeRawUnsafe(
      `UPDATE webhook_calls SET status = CASE e.uuid WHEN 'old-in-progress' THEN 'IN_PROGRESS'::"CallStatus" ELSE 'UNKNOWN'::"CallStatus" END
         FROM events e WHERE e.id = webhook_calls.event_id AND e.workspace_id = $1 AND e.uuid IN ('old-in-progress', 'old-pending')`,
      workspace.id,
    );
    const attemptsBefore = await h.api.db.webhookCallAttempt.count();

    const batches: number[] = [];
    const figures = await pruneDeliveryLog(h.api.db, {
      cutoff: new Date(Date.now() - 30 * DAY),
      batchSize: 2,
      onBatch: (batch) => batches.push(batch.events),
    });
    expect(figures).toMatchObject({ events: 5, calls: 5, kept: 2, complete: true });
    expect(figures.attempts).toBe(attemptsBefore - (await h.api.db.webhookCallAttempt.count()));
    expect(figures.attempts).toBeGreaterThanOrEqual(5);
    // Seven old events, two at a time: no batch ever held more than its share.
    expect(batches.length).toBe(4);
    expect(Math.max(...batches)).toBeLessThanOrEqual(2);
    for (let index = 0; index < 5; index++) expect(await rowsOf(workspace.id, `old-${index}`)).toEqual({ event: 0, calls: 0, attempts: 0 });
    expect((await rowsOf(workspace.id, "old-in-progress")).event).toBe(1);
    expect((await rowsOf(workspace.id, "old-pending")).event).toBe(1);
    expect(await rowsOf(workspace.id, "recent")).toMatchObject({ event: 1, calls: 1 });
    expect((await callsOf(h, "recent"))[0]?.status).toBe("SUCCESS");

    // Nothing left to delete: a second run deletes nothing more.
    expect(await retain()).toMatchObject({ events: 0, calls: 0, attempts: 0 });
  }

  it("keeps an old event not yet fanned out, and one whose call was sent again lately; its fan-out and redelivery go through", async () => {
    const workspace = await h.createWorkspace();
    const path = `/fan-${workspace.id}`;
    await h.createWebhook({ name: "fan", location: receiver.url(path), all_events: true, workspace_id: workspace.id });
    // Recorded while no worker runs: in the outbox, not fanned out, and (made) old.
    await h.stopWorker();
    try {
      await sendEvent(h, workspace.id, "unfanned");
      await age(workspace.id, ["unfanned"]);
      expect(await retain()).toMatchObject({ events: 0 });
    } finally {
      await h.startWorker();
    }
    await waitForIdle(h);
    expect((await callsOf(h, "unfanned")).map((call) => call.status)).toEqual(["SUCCESS"]);
    // Fanned out now, but its call is a minute old: it stays until that call is old too.
    expect(await retain()).toMatchObject({ events: 0 });
    expect((await rowsOf(workspace.id, "unfanned")).event).toBe(1);

    // An old delivered event, retriggered today: the new call keeps it.
    await sendEvent(h, workspace.id, "retriggered");
    await waitForIdle(h);
    await age(workspace.id, ["retriggered"]);
    const [original] = await callsOf(h, "retriggered");
    expect((await h.post("/api/v1/uac-proxy/events/retriggerWebhookCall", { call_id: original?.id })).status).toBe(200);
    await waitForIdle(h);
    expect(await retain()).toMatchObject({ events: 0 });
    expect((await callsOf(h, "retriggered")).map((call) => call.status)).toEqual(["SUCCESS", "SUCCESS"]);
  });

  it("skips an old event another transaction is adding a call to, without waiting for it, and that call is kept", async () => {
    const workspace = await h.createWorkspace();
    const webhook = await h.createWebhook({
      name: "busy",
      location: receiver.url(`/busy-${workspace.id}`),
      all_events: true,
      workspace_id: workspace.id,
    });
    await sendEvent(h, workspace.id, "busy");
    await waitForIdle(h);
    await age(workspace.id, ["busy"]);
    const event = await h.api.db.event.findUniqueOrThrow({ where: { workspaceId_uuid: { workspaceId: workspace.id, uuid: "busy" } } });
    // A fan-out (or a retrigger) in the middle of its transaction: its insert holds a share lock on the event.
    const other = new pg.Client({ connectionString: h.config.DATABASE_URL });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query(
        `INSERT INTO webhook_calls (event_id, webhook_id, retrigger_of_id, status, created_at, updated_at)
         VALUES ($1, $2, 0, 'SUCCESS', now(), now())`,
        [event.id, webhook.id],
      );
      const figures = await retain();
      expect(figures.events).toBe(0);
      expect(figures.kept).toBeGreaterThanOrEqual(1);
      // SKIP LOCKED, not a wait for the lock (which would have ended in lock_timeout, 2 s).
      expect(figures.longestBatchMs).toBeLessThan(2000);
      await other.query("COMMIT");
    } finally {
      await other.end();
    }
    expect(await rowsOf(workspace.id, "busy")).toMatchObject({ event: 1, calls: 2 });
  });

  it("keeps the event of a promotion still in progress; deletes old finished recoveries and old notifications", async () => {
    const workspace = await h.createWorkspace();
    const webhook = await h.createWebhook({
      name: "promo",
      location: receiver.url(`/promo-${workspace.id}`),
      all_events: true,
      workspace_id: workspace.id,
    });
    await sendEvent(h, workspace.id, "promotion", { event_type: "PROMOTE", resource_type: "MODEL_VERSION" });
    await waitForIdle(h);
    await age(workspace.id, ["promotion"]);
    const event = await h.api.db.event.findUniqueOrThrow({ where: { workspaceId_uuid: { workspaceId: workspace.id, uuid: "promotion" } } });
    const model = await h.api.db.registeredModel.create({ data: { workspaceId: workspace.id, name: "m" } });
    const version = await h.api.db.modelVersion.create({
      data: { registeredModelId: model.id, version: "1", stage: "PRODUCTION", promotionStatus: "IN_PROGRESS", promotionEventId: event.id },
    });
    const admin = await h.api.db.user.findFirstOrThrow({ where: { systemAdmin: true } });
    const old = new Date(Date.now() - 40 * DAY);
    const notification = { userId: admin.id, kind: "WEBHOOK_CALL_FAILED" as const, title: "t", body: "b", webhookId: webhook.id };
    await h.api.db.notification.create({ data: { ...notification, createdAt: old } });
    const recent = await h.api.db.notification.create({ data: notification });
    const window = { webhookId: webhook.id, requestedById: admin.id, since: old, until: old, expected: 0 };
    await h.api.db.recoveryRequest.create({ data: { ...window, createdAt: old, finishedAt: old } });
    const unfinished = await h.api.db.recoveryRequest.create({ data: { ...window, createdAt: old } });

    const figures = await retain();
    expect(figures).toMatchObject({ events: 0, recoveries: 1 });
    expect(figures.notifications).toBeGreaterThanOrEqual(1);
    expect((await rowsOf(workspace.id, "promotion")).event).toBe(1);
    expect((await h.api.db.notification.findMany({ where: { webhookId: webhook.id } })).map((row) => row.id)).toEqual([recent.id]);
    expect((await h.api.db.recoveryRequest.findMany({ where: { webhookId: webhook.id } })).map((row) => row.id)).toEqual([unfinished.id]);

    // Once the promotion has ended, its old event goes like any other.
    await h.api.db.modelVersion.update({ where: { id: version.id }, data: { promotionStatus: "FAILED" } });
    expect(await retain()).toMatchObject({ events: 1 });
    expect((await h.api.db.modelVersion.findUniqueOrThrow({ where: { id: version.id } })).promotionEventId).toBeNull();
  });

  it("a worker with retention off deletes nothing when it takes a scheduled run (another replica scheduled it)", async () => {
    const workspace = await h.createWorkspace();
    await h.createWebhook({ name: "off", location: receiver.url(`/off-${workspace.id}`), all_events: true, workspace_id: workspace.id });
    await sendEvent(h, workspace.id, "off-old");
    await sendEvent(h, workspace.id, "off-recent");
    await waitForIdle(h);
    await age(workspace.id, ["off-old"]);
    // The harness's worker has RETENTION_DAYS=0: a cutoff of "now" would delete both.
    const run = createRetentionProcessor(h.worker as WorkerDeps);
    expect(await run({ data: {} } as Job<JobInput<"retention">>)).toEqual({ skipped: "RETENTION_DAYS=0" });
    expect((await rowsOf(workspace.id, "off-old")).event).toBe(1);
    expect((await rowsOf(workspace.id, "off-recent")).event).toBe(1);
  });

  it("runs on its schedule in the worker, one scheduler however many workers run", async () => {
    const workspace = await h.createWorkspace();
    await h.createWebhook({
      name: "sched",
      location: receiver.url(`/sched-${workspace.id}`),
      all_events: true,
      workspace_id: workspace.id,
    });
    await sendEvent(h, workspace.id, "scheduled-old");
    await sendEvent(h, workspace.id, "scheduled-recent");
    await waitForIdle(h);
    await age(workspace.id, ["scheduled-old"]);
    const config = { ...h.config, RETENTION_DAYS: 30, RETENTION_INTERVAL_MS: 1000 };
    const replicas: Array<{ deps: WorkerDeps; running: RunningWorkers }> = [];
    try {
      for (const name of ["retention-a", "retention-b"]) {
        const deps = createWorkerDeps(config, createLogger(config, name));
        replicas.push({ deps, running: await startWorkers(deps) });
      }
      expect(await h.api.queues.queues.retention.getJobSchedulersCount()).toBe(1);
      await waitFor(async () => (await rowsOf(workspace.id, "scheduled-old")).event === 0, {
        what: "the scheduled run to delete the old event",
      });
      expect(await rowsOf(workspace.id, "scheduled-recent")).toMatchObject({ event: 1, calls: 1 });
    } finally {
      for (const replica of replicas) {
        await replica.running.close(h.config.SHUTDOWN_TIMEOUT_MS);
        await closeWorkerDeps(replica.deps);
      }
    }
  });
});

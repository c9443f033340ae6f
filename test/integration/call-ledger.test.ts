import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { isDataError } from "@modelhooks/db";
import { CallLedger } from "@modelhooks/webhooks";
import type { AttemptRecord } from "../../packages/webhooks/src/call-ledger.js";
import { createHarness, type Harness } from "../support/harness.js";

// The delivery hot path's batched statements on the real PostgreSQL. Claims and records batch
// separately, each with two slots: the first two submissions of a kind go alone and the rest wait
// together. That is how a test puts items into one batch: two fillers of the same kind first.

let h: Harness;
let ledger: CallLedger;
let eventId: number;
let webhookIds: number[];

beforeAll(async () => {
  h = await createHarness();
  ledger = new CallLedger(h.api.db, {
    disableAfterMs: h.config.WEBHOOK_DISABLE_AFTER_MS,
    minFailures: h.config.WEBHOOK_DISABLE_MIN_FAILURES,
  });
  const workspace = await h.createWorkspace();
  const webhooks = await Promise.all(
    Array.from({ length: 12 }, (_, n) => n + 1).map((n) =>
      h.api.db.webhook.create({
        data: { workspaceId: workspace.id, name: `ledger-${n}`, location: `https://example.com/${n}`, allEvents: true },
      }),
    ),
  );
  webhookIds = webhooks.map((webhook) => webhook.id);
  const event = await h.api.db.event.create({
    data: {
      uuid: "ledger-event",
      workspaceId: workspace.id,
      eventType: "CREATE",
      resourceType: "BUILD",
      timestamp: new Date(),
      payload: {},
    },
  });
  eventId = event.id;
});
afterAll(async () => {
  await h.close();
});

let nextWebhook = 0;
const newCall = () => h.api.db.webhookCall.create({ data: { eventId, webhookId: webhookIds[nextWebhook++]! } });
const ok = { statusCode: 200, body: "ok", headers: { "content-type": "text/plain" }, durationMs: 3 };
const attempt = (callId: number, attemptNumber: number, status: AttemptRecord["status"], statusCode = 200): AttemptRecord => ({
  callId,
  attemptNumber,
  result: { ...ok, statusCode },
  requestBody: "{}",
  startedAt: new Date(),
  status,
  nextAttemptAt: status === "IN_PROGRESS" ? new Date(Date.now() + 60_000) : null,
});

describe("CallLedger", () => {
  it("claims a batch of calls, each with its own context; a final call is not claimed", async () => {
    const [a, b, c, final] = [await newCall(), await newCall(), await newCall(), await newCall()];
    await h.api.db.webhookCall.update({ where: { id: final.id }, data: { status: "SUCCESS", attempts: 1 } });
    const claimed = await Promise.all([a, b, c, final].map((call) => ledger.claim(call.id)));
    expect(claimed.map((context) => context?.id)).toEqual([a.id, b.id, c.id, undefined]);
    expect(claimed[2]).toMatchObject({
      webhookId: c.webhookId,
      webhookName: expect.stringMatching(/^ledger-/),
      uuid: "ledger-event",
      attempts: 0,
    });
    const statuses = await h.api.db.webhookCall.findMany({
      where: { id: { in: [a.id, b.id, c.id, final.id] } },
      orderBy: { id: "asc" },
      select: { status: true },
    });
    expect(statuses.map((row) => row.status)).toEqual(["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "SUCCESS"]);
  });

  it("records two attempts of one call in the same batch with the later one deciding the call's state, in either order", async () => {
    const [fillerA, fillerB, laterFirst, earlierFirst] = [await newCall(), await newCall(), await newCall(), await newCall()];
    await Promise.all([
      ledger.record(attempt(fillerA.id, 1, "SUCCESS")),
      ledger.record(attempt(fillerB.id, 1, "SUCCESS")),
      // One statement holding both attempts of each call.
      ledger.record(attempt(laterFirst.id, 2, "SUCCESS")),
      ledger.record(attempt(laterFirst.id, 1, "IN_PROGRESS", 500)),
      ledger.record(attempt(earlierFirst.id, 1, "IN_PROGRESS", 500)),
      ledger.record(attempt(earlierFirst.id, 2, "SUCCESS")),
    ]);
    for (const call of [laterFirst, earlierFirst]) {
      const stored = await h.api.db.webhookCall.findUniqueOrThrow({
        where: { id: call.id },
        include: { attemptLog: { orderBy: { attemptNumber: "asc" } } },
      });
      expect(stored).toMatchObject({ status: "SUCCESS", attempts: 2, nextAttemptAt: null });
      expect(stored.attemptLog.map((row) => [row.attemptNumber, row.statusCode])).toEqual([
        [1, 500],
        [2, 200],
      ]);
    }
  });

  it("fails only the record the database refuses, when a batch holds one", async () => {
    const [fillerA, fillerB, x, y] = [await newCall(), await newCall(), await newCall(), await newCall()];
    const missingCall = 2_000_000_000; // the foreign key refuses it
    const results = await Promise.allSettled([
      ledger.record(attempt(fillerA.id, 1, "SUCCESS")),
      ledger.record(attempt(fillerB.id, 1, "SUCCESS")),
      // One statement, refused as a whole; then each alone.
      ledger.record(attempt(x.id, 1, "SUCCESS")),
      ledger.record(attempt(missingCall, 1, "SUCCESS")),
      ledger.record(attempt(y.id, 1, "FAILURE", 410)),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(isDataError((results[3] as PromiseRejectedResult).reason)).toBe(true);
    const stored = await h.api.db.webhookCall.findMany({
      where: { id: { in: [x.id, y.id] } },
      orderBy: { id: "asc" },
      select: { status: true, attempts: true },
    });
    expect(stored).toEqual([
      { status: "SUCCESS", attempts: 1 },
      { status: "FAILURE", attempts: 1 },
    ]);
  });
});

describe("isDataError", () => {
  it("tells an error of a statement's data from one of the database's state", async () => {
    const refusedValue = await h.api.db.$queryRawUnsafe("SELECT 'x'::int").catch((error: unknown) => error);
    const missingTable = await h.api.db.$queryRawUnsafe("SELECT * FROM no_such_table").catch((error: unknown) => error);
    expect(isDataError(refusedValue)).toBe(true);
    expect(isDataError(missingTable)).toBe(false);
    expect(isDataError(new Error("connect ECONNREFUSED"))).toBe(false);
  });
});

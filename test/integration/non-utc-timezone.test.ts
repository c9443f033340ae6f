import { afterAll, beforeAll, expect, it } from "@jest/globals";
import pg from "pg";
import { Prisma } from "@modelhooks/db";
import { createHarness, EVENTS, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { databaseUrl } from "../support/test-database.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// Every instant is a timestamptz and every session of ours runs in UTC, so what the database
// writes with now(), what the service writes from JavaScript and what any other client reads
// agree whatever the server's TimeZone. Here sessions start twelve hours behind UTC (as on a
// server configured so): a timestamp column filled by now() would be twelve hours off, and
// auto-disable (which compares failing_since with the clock) would fire at the first failures.

const ZONE = "Etc/GMT+12"; // UTC-12 (POSIX signs are inverted)
const MINUTE = 60_000;
let h: Harness;
let receiver: Receiver;
let url = "";

beforeAll(async () => {
  h = await createHarness({
    worker: true,
    databaseUrl: (name) => (url = `${databaseUrl(name)}?options=${encodeURIComponent(`-c TimeZone=${ZONE}`)}`),
    env: { DELIVERY_MAX_ATTEMPTS: "3", WEBHOOK_DISABLE_MIN_FAILURES: "2", WEBHOOK_DISABLE_AFTER_MS: String(60 * MINUTE) },
  });
  receiver = await Receiver.start();
  receiver.on("/down", () => ({ status: 500 }));
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

const near = (date: Date | null | undefined, to = Date.now()) =>
  date !== null && date !== undefined && Math.abs(date.getTime() - to) < MINUTE;

/** What another client of the database (psql, a BI tool), whose session keeps the server's zone, reads. */
async function readElsewhere<T extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<{ zone: string; rows: T[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const zone = (await client.query<{ TimeZone: string }>("SHOW TimeZone")).rows[0]?.TimeZone ?? "";
    return { zone, rows: (await client.query<T>(sql, values)).rows };
  } finally {
    await client.end();
  }
}

it("pins the service's sessions to UTC while other sessions keep the server's zone", async () => {
  const [row] = await h.api.db.$queryRaw<{ TimeZone: string }[]>(Prisma.sql`SHOW TimeZone`);
  expect(row?.TimeZone).toBe("UTC");
  expect((await readElsewhere("SELECT 1", [])).zone).toBe(ZONE);
});

it("records failures, retry times and auto-disable at the real instants", async () => {
  const workspace = await h.createWorkspace();
  const created = await h.post(`${EVENTS}/createWebhook`, {
    name: "down",
    location: receiver.url("/down"),
    all_events: true,
    // Only the test's own events: the announcement of a FAILURE call (a WEBHOOK_CALL event) would
    // be one more failure of this webhook, at a moment the counts below cannot know.
    resource_types: ["BUILD"],
    workspace_id: workspace.id,
  });
  const webhookId = created.body.id as number;
  const send = (uuid: string) =>
    h
      .post(`${EVENTS}/createEvent`, { event_uuid: uuid, event_type: "CREATE", workspace_id: workspace.id, resource_type: "BUILD" })
      .expect(202);

  await send("tz-1");
  const retrying = await waitFor(
    async () => {
      const call = await h.api.db.webhookCall.findFirst({ where: { webhookId } });
      // attempts is 1 while the first attempt is under way too: its failure is recorded once its retry is due.
      return call?.attempts === 1 && call.status === "IN_PROGRESS" && call.nextAttemptAt !== null && call;
    },
    { what: "the first failed attempt" },
  );
  // The retry is due within the backoff cap of the attempt, not twelve hours away.
  expect(near(retrying.nextAttemptAt)).toBe(true);
  expect(near(retrying.createdAt)).toBe(true);

  const failed = await waitFor(
    async () => {
      const call = await h.api.db.webhookCall.findFirst({ where: { webhookId }, include: { attemptLog: true } });
      return call?.status === "FAILURE" && call;
    },
    { what: "the call to fail" },
  );
  expect(failed.attemptLog.every((attempt) => near(attempt.startedAt))).toBe(true);
  const webhook = await h.api.db.webhook.findUniqueOrThrow({ where: { id: webhookId } });
  // Three failures in a row, but for seconds, not the hour auto-disable waits for.
  expect({ status: webhook.status, failures: webhook.consecutiveFailures }).toEqual({ status: "ACTIVE", failures: 3 });
  expect(near(webhook.failingSince)).toBe(true);
  const elsewhere = await readElsewhere<{ failing_since: Date }>("SELECT failing_since FROM webhooks WHERE id = $1", [webhookId]);
  expect(near(elsewhere.rows[0]?.failing_since)).toBe(true);

  // Once the run of failures really is over an hour old, the next failure disables it.
  await h.api.db.webhook.update({ where: { id: webhookId }, data: { failingSince: new Date(Date.now() - 61 * MINUTE) } });
  await send("tz-2");
  const disabled = await waitFor(
    async () => {
      const found = await h.api.db.webhook.findUniqueOrThrow({ where: { id: webhookId } });
      return found.status === "DISABLED" && found;
    },
    { what: "auto-disable" },
  );
  expect(disabled.disabledReason).toMatch(/disabled automatically/);
  const event = await h.api.db.event.findFirstOrThrow({ where: { uuid: "tz-2" } });
  expect(near(event.createdAt) && near(event.fannedOutAt) && near(event.enqueuedAt)).toBe(true);
});

import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { stopProcess, type ServiceProcess } from "../../scripts/lib/local-services.js";
import { waitFor } from "../../scripts/lib/wait-for.js";
import { publishEvent } from "@modelhooks/events";
import { createHarness, EVENTS, startWorkerProcess, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { Receiver as ReceiverProcess } from "../../bench/receiver.js";

// max_deliveries_per_second (docs/api.md) holds across worker replicas: three worker processes
// share one limit through Redis. Deliveries over it wait their turn; they are neither failed nor
// counted as attempts.

const LIMIT = 20;
const EVENTS_SENT = 600;

let h: Harness;
const receiver = Receiver.forThisFile();
/** The limited webhook's receiver runs in a process of its own, so nothing in this one delays (and bunches) its timestamps. */
let limitedReceiver: ReceiverProcess;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  h = await createHarness(); // the API in process; the workers are real processes
  limitedReceiver = await ReceiverProcess.start();
});
afterAll(async () => {
  for (const worker of workers) await stopProcess(worker);
  await limitedReceiver.stop();
  await h.close();
});

/** The most requests that arrived within any one second (a window starting at each arrival). */
function busiestSecond(arrivals: number[]): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let busiest = 0;
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < sorted.length && (sorted[end] as number) - (sorted[start] as number) < 1000) end++;
    busiest = Math.max(busiest, end - start);
  }
  return busiest;
}

it(`three workers together deliver at most ${LIMIT} per second to a webhook limited to ${LIMIT}/s; all arrive, each in one attempt`, async () => {
  const workspace = await h.createWorkspace();
  const webhook = await h.createWebhook({
    name: "limited",
    location: limitedReceiver.url("/limited"),
    all_events: true,
    workspace_id: workspace.id,
    max_deliveries_per_second: LIMIT,
  });
  expect(webhook.max_deliveries_per_second).toBe(LIMIT);
  // Deliveries are held until the whole backlog waits and all three workers run, so the limit is what
  // paces them, not this process creating events or a worker still starting.
  const deliveries = h.api.queues.queues.deliveries;
  await deliveries.pause();
  for (let index = 0; index < 3; index++) workers.push(startWorkerProcess(h, { LOG_LEVEL: "warn", DELIVERY_CONCURRENCY: "20" }));
  const uuids = Array.from({ length: EVENTS_SENT }, (_, index) => `limited-${index}`);
  // Published straight to the events queue, as platform services do: quicker to set up than 600 createEvent calls.
  for (let from = 0; from < uuids.length; from += 50) {
    await Promise.all(
      uuids
        .slice(from, from + 50)
        .map((uuid) =>
          publishEvent(h.api.queues, { event_uuid: uuid, event_type: "CREATE", workspace_id: workspace.id, resource_type: "BUILD" }),
        ),
    );
  }
  // Waiting in the prioritized set: fan-out gives deliveries their workspace's fair-share priority.
  const queued = async () => Object.values(await deliveries.getJobCounts("waiting", "prioritized", "paused")).reduce((a, b) => a + b, 0);
  await waitFor(async () => (await deliveries.getWorkersCount()) === 3 && (await queued()) === EVENTS_SENT, {
    what: `three workers and ${EVENTS_SENT} deliveries waiting`,
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  await deliveries.resume();
  await waitFor(async () => (await h.api.db.webhookCall.count({ where: { webhookId: webhook.id, status: "SUCCESS" } })) === EVENTS_SENT, {
    what: `all ${EVENTS_SENT} calls to succeed`,
    timeoutMs: 120_000,
    intervalMs: 500,
  });

  const received = await limitedReceiver.receipts();
  expect(new Set(received.eventUuids).size).toBe(EVENTS_SENT);
  // One clock edge's worth of slack: a request can straddle the second it is counted in.
  expect(busiestSecond(received.times)).toBeLessThanOrEqual(LIMIT + 1);
  // Waiting for a turn is not an attempt: every call took exactly one, and nothing else was sent.
  const calls = await h.api.db.webhookCall.findMany({ where: { webhookId: webhook.id }, select: { attempts: true } });
  expect(calls.filter((call) => call.attempts !== 1)).toEqual([]);
  expect(await h.api.db.webhookCallAttempt.count({ where: { call: { webhookId: webhook.id } } })).toBe(EVENTS_SENT);
  expect(received.times).toHaveLength(EVENTS_SENT);
  for (const worker of workers) expect(worker.hasExited()).toBe(false);
}, 180_000);

it("refuses a limit that is not a positive whole number up to 1000, with 400 naming the field", async () => {
  const before = await h.api.db.webhook.count();
  for (const value of [0, -1, 1.5, 1001, "abc", "", true, {}]) {
    const response = await h.post(`${EVENTS}/createWebhook`, {
      name: "bad-limit",
      location: receiver.url("/bad"),
      all_events: true,
      max_deliveries_per_second: value,
    });
    expect({ value, status: response.status, path: response.body.error?.details?.[0]?.path }).toEqual({
      value,
      status: 400,
      path: "max_deliveries_per_second",
    });
  }
  expect(await h.api.db.webhook.count()).toBe(before);
  const webhook = await h.createWebhook({ name: "unlimited", location: receiver.url("/unlimited"), all_events: true });
  expect(webhook.max_deliveries_per_second).toBeNull();
  const limited = await h.post(`${EVENTS}/updateWebhook`, { id: webhook.id, max_deliveries_per_second: "5" }).expect(200);
  expect(limited.body.max_deliveries_per_second).toBe(5);
  const bad = await h.post(`${EVENTS}/updateWebhook`, { id: webhook.id, max_deliveries_per_second: 0 });
  expect([bad.status, bad.body.error?.details?.[0]?.path]).toEqual([400, "max_deliveries_per_second"]);
  const cleared = await h.post(`${EVENTS}/updateWebhook`, { id: webhook.id, max_deliveries_per_second: null }).expect(200);
  expect(cleared.body.max_deliveries_per_second).toBeNull();
});

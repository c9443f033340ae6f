import { afterAll, beforeAll, expect, it } from "@jest/globals";
import pg from "pg";
import { createRedis, JobQueues } from "@modelhooks/queues";
import { ApiClient } from "../../scripts/lib/api-client.js";
import { startApi, startWorker, stopProcess, type RunningApi, type RunningWorker } from "../../scripts/lib/local-services.js";
import { waitFor } from "../../scripts/lib/wait-for.js";
import { ADMIN, testEnv } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { createTestDatabase, dropDatabase, runId } from "../support/test-database.js";
import { testRedisUrl } from "../support/test-servers.js";

// Replicas working together: two APIs and three workers (built JavaScript, separate processes)
// share one PostgreSQL and one Redis while one worker is SIGKILLed and another SIGTERMed and
// replaced. `npm run soak -- --apis 2 --workers 3` does the same for longer, with chaos.
// EVENTS × WEBHOOKS calls: sized to finish in about a minute or two on a loaded two-core machine.
const EVENTS = 1000;
const WEBHOOKS = 5;
const RELAY_INTERVAL_MS = 2000;
const prefix = `mhtest-${runId()}-replicas-${process.pid}`;

let database: { name: string; url: string };
let receiver: Receiver;
const apis: RunningApi[] = [];
const workers: RunningWorker[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  receiver = await Receiver.start();
});
afterAll(async () => {
  await Promise.all([...apis, ...workers].map((service) => stopProcess(service, 10_000)));
  await receiver.close();
  await dropDatabase(database.name);
});

async function callsByStatus(): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ status: string; count: string }>("SELECT status, count(*) FROM webhook_calls GROUP BY status");
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  } finally {
    await client.end();
  }
}

it(`2 APIs and 3 workers deliver ${EVENTS} events × ${WEBHOOKS} webhooks through a SIGKILL and a SIGTERM-and-restart`, async () => {
  const env = testEnv({
    DATABASE_URL: database.url,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: "warn",
    OUTBOX_RELAY_INTERVAL_MS: String(RELAY_INTERVAL_MS),
    DELIVERY_CONCURRENCY: "20",
  });
  const started = Date.now();
  apis.push(...(await Promise.all([startApi(env, { label: "api-1" }), startApi(env, { label: "api-2" })])));
  workers.push(...(await Promise.all([1, 2, 3].map((n) => startWorker(env, { label: `worker-${n}` })))));
  const clients = apis.map((api) => new ApiClient(api.url, ADMIN));
  const hooks = [];
  for (let i = 0; i < WEBHOOKS; i++) {
    hooks.push(
      await clients[0]!.createWebhook({
        name: `replica-${i}`,
        location: receiver.url(`/r${i}`),
        event_types: ["CREATE"],
        all_events: false,
      }),
    );
  }
  const workspaceId = hooks[0]!.workspace_id;
  const total = EVENTS * WEBHOOKS;

  // Both APIs take events, ten at a time each.
  let next = 0;
  const post = async (client: ApiClient) => {
    while (next < EVENTS) {
      const i = next++;
      const answer = await client.createEvent({
        event_uuid: `replica-${i}`,
        event_type: "CREATE",
        workspace_id: workspaceId,
        resource_type: "REGISTERED_MODEL",
      });
      if (answer.status !== 202) throw new Error(`createEvent ${i} answered ${answer.status}`);
    }
  };
  const posting = Promise.all(clients.flatMap((client) => Array.from({ length: 10 }, () => post(client))));

  await waitFor(() => receiver.received().length >= total * 0.2, { what: "a fifth of the deliveries", timeoutMs: 120_000 });
  workers[0]!.child.kill("SIGKILL");
  await workers[0]!.exited;
  await waitFor(() => receiver.received().length >= total * 0.5, { what: "half of the deliveries", timeoutMs: 120_000 });
  expect(await stopProcess(workers[1]!, 20_000)).toBe(0);
  workers.push(await startWorker(env, { label: "worker-2b" }));
  await posting;

  const statuses = await waitFor(
    async () => {
      const counts = await callsByStatus();
      return counts.SUCCESS === total && counts;
    },
    { what: `all ${total} calls SUCCESS`, timeoutMs: 180_000, intervalMs: 500 },
  );
  const finished = Date.now();
  expect(statuses).toEqual({ SUCCESS: total });

  // Lost 0: every event reached every webhook.
  for (let i = 0; i < WEBHOOKS; i++) {
    expect(new Set(receiver.received(`/r${i}`).map((request) => request.headers["webhook-id"])).size).toBe(EVENTS);
  }
  // No attempt number went out twice for a call: the claim takes the number before anything is sent.
  const sent = new Map<string, number>();
  for (const request of receiver.received()) {
    const key = `${String(request.headers["x-modelhooks-call-id"])}#${String(request.headers["x-modelhooks-attempt"])}`;
    sent.set(key, (sent.get(key) ?? 0) + 1);
  }
  expect([...sent].filter(([, count]) => count > 1)).toEqual([]);

  // The relay ran once per interval in total, not once per worker: its scheduler's runs, counted.
  const queues = new JobQueues(createRedis(testRedisUrl(), "producer"), { prefix, deliveryMaxAttempts: 4 });
  try {
    const runs = await queues.queues.maintenance.getJobs(["completed", "failed", "active"], 0, 1000);
    const inWindow = runs.filter((job) => job.processedOn !== undefined && job.processedOn >= started && job.processedOn <= finished);
    const intervals = (finished - started) / RELAY_INTERVAL_MS;
    process.stdout.write(
      `replicas: ${total} calls in ${Math.round((finished - started) / 1000)} s; relay ran ${inWindow.length} times in ${intervals.toFixed(1)} intervals\n`,
    );
    expect(inWindow.length).toBeGreaterThan(0);
    // One run per interval, plus one a killed worker may have left half-done and the one in flight at each end.
    expect(inWindow.length).toBeLessThanOrEqual(Math.ceil(intervals) + 3);
  } finally {
    await queues.close();
    queues.connection.disconnect();
  }
}, 420_000);

import { afterAll, beforeAll, expect, it } from "@jest/globals";
import pg from "pg";
import { ApiClient } from "../../scripts/lib/api-client.js";
import { freePort, startProcess, stopProcess, waitUntilAnswers, type ServiceProcess } from "../../scripts/lib/local-services.js";
import { ADMIN, testEnv } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { databaseUrl, dropDatabase, runId } from "../support/test-database.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// What `npm start` runs (scripts/start.ts), on a database that does not exist yet.
let receiver: Receiver;
let service: ServiceProcess | undefined;
const database = `mh_test_${runId()}_npm_start_${process.pid}`;

beforeAll(async () => {
  receiver = await Receiver.start();
});
afterAll(async () => {
  if (service) await stopProcess(service);
  await receiver.close();
  await dropDatabase(database);
});

it("creates and migrates the database, serves the API, delivers an event, and stops both processes on SIGTERM", async () => {
  const port = await freePort();
  const workerMetricsPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  service = startProcess(
    "scripts/start.ts",
    testEnv({
      PORT: String(port),
      DATABASE_URL: databaseUrl(database),
      QUEUE_PREFIX: `mhtest-${runId()}-start-${process.pid}`,
      LOG_LEVEL: "info",
      METRICS_PORT: String(workerMetricsPort),
    }),
  );
  await waitUntilAnswers(service, `${base}/readyz`);

  const api = new ApiClient(base, ADMIN);
  const webhook = await api.createWebhook({ name: "e2e", location: receiver.url("/e2e"), event_types: ["CREATE"], all_events: false });
  const accepted = await api.createEvent({
    event_uuid: "npm-start-e2e",
    event_type: "CREATE",
    workspace_id: webhook.workspace_id,
    resource_type: "REGISTERED_MODEL",
  });
  expect(accepted.status).toBe(202);
  await waitFor(() => receiver.received("/e2e").length === 1, { timeoutMs: 30_000, what: "delivery through the real processes" });
  expect(receiver.received("/e2e")[0]?.json.event_uuid).toBe("npm-start-e2e");
  expect(service.output()).toMatch(/API listening on http:\/\/127\.0\.0\.1:\d+/);

  // The worker's own /metrics carries the delivery series; the API's carries calls by status.
  const workerMetrics = await waitFor(
    async () => {
      const text = await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text();
      return /modelhooks_delivery_attempts_total\{[^}]*outcome="success"[^}]*\} 1/.test(text) && text;
    },
    { what: "worker metrics" },
  );
  expect(workerMetrics).toMatch(/modelhooks_delivery_attempt_duration_seconds_count\{[^}]*\} 1/);
  const apiMetrics = await (await fetch(`${base}/metrics`)).text();
  expect(apiMetrics).toMatch(/modelhooks_webhook_calls\{[^}]*status="SUCCESS"[^}]*\} 1/);
  expect(apiMetrics).not.toMatch(/modelhooks_delivery_attempts_total/);

  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  const { rows } = await client.query(`SELECT migration_name, finished_at FROM "_prisma_migrations"`);
  await client.end();
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((row) => row.finished_at !== null)).toBe(true);

  const code = await stopProcess(service, 20_000);
  expect(code).toBe(0);
  expect(service.output()).toMatch(/worker stopped/);
  expect(service.output()).toMatch(/API stopped/);
});

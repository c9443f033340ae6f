import net from "node:net";
import { afterAll, beforeAll, expect, it } from "@jest/globals";
import {
  freePort,
  privateRedis,
  startProcess,
  stopProcess,
  throughProxy,
  type PrivateRedis,
  type ServiceProcess,
} from "../../scripts/lib/local-services.js";
import { OUTAGE_LOG_INTERVAL_MS } from "@modelhooks/observability";
import { waitFor } from "../../scripts/lib/wait-for.js";
import { testEnv } from "../support/harness.js";
import { createTestDatabase, dropDatabase } from "../support/test-database.js";

// What a person sees when something around the service is wrong at start-up: the real processes,
// their output and exit code. The outage log says a dependency is unreachable once, then once per
// 10 s (OUTAGE_LOG_INTERVAL_MS): a few seconds of outage must give one line, not a flood.
let database: { name: string; url: string };
let redis: PrivateRedis;
const started: ServiceProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  redis = await privateRedis();
});
afterAll(async () => {
  await Promise.all(started.map((service) => stopProcess(service, 5000)));
  await redis.stop();
  await dropDatabase(database.name);
}, 120_000);

// Starting four processes at once on a loaded machine takes a while: generous bounds, no timing asserted.
const STARTING = { timeoutMs: 90_000 };

function launch(entry: string, env: Record<string, string>, label: string): ServiceProcess {
  const service = startProcess(entry, testEnv({ DATABASE_URL: database.url, LOG_FORMAT: "pretty", LOG_LEVEL: "info", ...env }), { label });
  started.push(service);
  return service;
}

async function exitCode(service: ServiceProcess): Promise<number | null> {
  return waitFor(() => (service.hasExited() ? { code: service.child.exitCode } : undefined), {
    what: `${service.label} to exit`,
    timeoutMs: 30_000,
  }).then(({ code }) => code);
}

const lines = (service: ServiceProcess, pattern: RegExp) =>
  service
    .output()
    .split("\n")
    .filter((line) => pattern.test(line));

async function status(url: string): Promise<number> {
  return (await fetch(url, { signal: AbortSignal.timeout(5000) }).catch(() => undefined))?.status ?? 0;
}

async function occupiedPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

it("with its port taken, the API and the worker each print one error line naming it and exit 1, never saying listening", async () => {
  const taken = await occupiedPort();
  try {
    const api = launch("apps/api/src/main.ts", { PORT: String(taken.port) }, "api");
    const worker = launch("apps/worker/src/main.ts", { METRICS_PORT: String(taken.port) }, "worker");
    expect(await exitCode(api)).toBe(1);
    expect(await exitCode(worker)).toBe(1);
    for (const [service, setting] of [
      [api, "PORT"],
      [worker, "METRICS_PORT"],
    ] as const) {
      const output = service.output().trim().split("\n");
      expect(output).toEqual([expect.stringContaining(`cannot listen on 127.0.0.1:${taken.port}: the address is already in use`)]);
      expect(output[0]).toContain(setting);
      expect(service.output()).not.toMatch(/listening/i);
    }
  } finally {
    await taken.close();
  }
}, 240_000);

it("with Redis down, both say once which Redis (no password), what failed and what to check; /readyz is 503 until it is back", async () => {
  await redis.stop();
  const url = redis.url.replace("redis://", "redis://:hunter2@");
  const apiPort = await freePort();
  const workerPort = await freePort();
  const launchedAt = Date.now();
  const api = launch("apps/api/src/main.ts", { PORT: String(apiPort), REDIS_URL: url }, "api");
  const worker = launch("apps/worker/src/main.ts", { METRICS_PORT: String(workerPort), REDIS_URL: url }, "worker");
  const unreachable = /Redis unreachable at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+.*ECONNREFUSED.*is Redis running/;
  await waitFor(() => lines(api, unreachable).length > 0 && lines(worker, unreachable).length > 0, {
    what: "the Redis outage lines",
    ...STARTING,
  });
  await waitFor(async () => (await status(`http://127.0.0.1:${apiPort}/readyz`)) === 503, {
    what: "the API's /readyz to answer 503",
    ...STARTING,
  });
  expect(await status(`http://127.0.0.1:${workerPort}/readyz`)).toBe(503);
  // A few seconds of reconnecting (ioredis retries every 200 ms to 2 s, on each of bullmq's connections).
  await new Promise((resolve) => setTimeout(resolve, 4000));
  // One line, then one per 10 s of outage: however slowly the processes started, never a flood.
  const allowed = Math.ceil((Date.now() - launchedAt) / OUTAGE_LOG_INTERVAL_MS) + 1;
  for (const service of [api, worker]) {
    expect(lines(service, /Redis/).length).toBeLessThanOrEqual(allowed);
    expect(service.output()).not.toContain("hunter2");
    expect(service.output().split("\n").filter(Boolean).length).toBeLessThan(allowed + 6);
  }

  await redis.start();
  await waitFor(async () => (await status(`http://127.0.0.1:${apiPort}/readyz`)) === 200, {
    what: "the API's /readyz once Redis is back",
    ...STARTING,
  });
  await waitFor(async () => (await status(`http://127.0.0.1:${workerPort}/readyz`)) === 200, {
    what: "the worker's /readyz once Redis is back",
  });
  expect(lines(worker, /Redis reachable again/)).toHaveLength(1);
  expect(worker.output()).toMatch(/worker started/);
  await Promise.all([stopProcess(api), stopProcess(worker)]);
}, 240_000);

it("with PostgreSQL unreachable, both say once which database and what to check; /readyz is 503", async () => {
  // A port nobody listens on, as the database's address.
  const closed = await freePort();
  const unreachableUrl = throughProxy(database.url, closed);
  const apiPort = await freePort();
  const workerPort = await freePort();
  const api = launch("apps/api/src/main.ts", { PORT: String(apiPort), DATABASE_URL: unreachableUrl }, "api");
  const worker = launch("apps/worker/src/main.ts", { METRICS_PORT: String(workerPort), DATABASE_URL: unreachableUrl }, "worker");
  const unreachable = new RegExp(
    `PostgreSQL unreachable at postgresql://postgres@127\\.0\\.0\\.1:${closed}/${database.name}: .*is PostgreSQL running`,
  );
  await waitFor(() => lines(api, unreachable).length > 0 && lines(worker, unreachable).length > 0, {
    what: "the PostgreSQL outage lines",
    ...STARTING,
  });
  await waitFor(async () => (await status(`http://127.0.0.1:${apiPort}/readyz`)) === 503, {
    what: "the API's /readyz to answer 503",
    ...STARTING,
  });
  expect(await status(`http://127.0.0.1:${workerPort}/readyz`)).toBe(503);
  // One line each: the message is the driver's, not Prisma's many lines of invocation context.
  for (const service of [api, worker]) expect(lines(service, /PostgreSQL|Invalid|queryRaw/)).toHaveLength(1);
  expect(api.hasExited() || worker.hasExited()).toBe(false);
  await Promise.all([stopProcess(api), stopProcess(worker)]);
}, 240_000);

it("create-admin says which database it wrote to", async () => {
  const admin = startProcess("scripts/create-admin.ts", testEnv({ DATABASE_URL: database.url, LOG_LEVEL: "warn" }), {
    label: "create-admin",
    args: ["ops@example.com"],
  });
  expect(await admin.exited).toBe(0);
  const { hostname, port } = new URL(database.url);
  expect(admin.output()).toContain(`database ${database.name} on ${hostname}:${port || 5432}`);
  expect(admin.output()).toMatch(/created system admin ops@example\.com /);
  expect(admin.output()).toMatch(/developer key \(shown once\): \S+/);
}, 240_000);

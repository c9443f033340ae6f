import { Writable } from "node:stream";
import type { Express } from "express";
import supertest from "supertest";
import winston from "winston";
import { loadConfig, type Config } from "@modelhooks/config";
import { ensureBootstrapAdmin } from "@modelhooks/identity";
import { createLogger } from "@modelhooks/observability";
import { createApiDeps, closeApiDeps, type ApiDeps } from "../../apps/api/src/api-deps.js";
import { createApp } from "../../apps/api/src/app.js";
import { createWorkerDeps, closeWorkerDeps, type WorkerDeps } from "../../apps/worker/src/worker-deps.js";
import { startWorkers, type RunningWorkers } from "../../apps/worker/src/workers.js";
import { EVENTS_PATH, type Caller } from "../../scripts/lib/api-client.js";
import { deleteRedisKeys, startProcess, type ServiceProcess } from "../../scripts/lib/local-services.js";
import { createTestDatabase, dropDatabase, runId } from "./test-database.js";
import { testRedisUrl } from "./test-servers.js";
import { snapshotAfter } from "./db-snapshot.js";

export type { Caller };
export const EVENTS = EVENTS_PATH;
export const ADMIN: Caller = { email: "admin@modelhooks.test", key: "test-admin-developer-key" };

let harnessCounter = 0;

/** Settings that make retries and recovery quick enough to watch in a test. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    REDIS_URL: testRedisUrl(),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_DEVELOPER_KEY: ADMIN.key,
    ALLOW_PRIVATE_TARGETS: "true",
    LOG_LEVEL: "debug",
    LOG_FORMAT: "json",
    DELIVERY_TIMEOUT_MS: "2000",
    DELIVERY_MAX_ATTEMPTS: "4",
    DELIVERY_BACKOFF_BASE_MS: "100",
    DELIVERY_BACKOFF_MAX_MS: "1000",
    DELIVERY_CONCURRENCY: "10",
    OUTBOX_RELAY_INTERVAL_MS: "500",
    OUTBOX_RELAY_GRACE_MS: "1000",
    WORKER_LOCK_DURATION_MS: "3000",
    WORKER_STALLED_INTERVAL_MS: "1000",
    // Longer than any delivery timeout here, so closing a harness lets in-flight work finish.
    SHUTDOWN_TIMEOUT_MS: "15000",
    METRICS_PORT: "0",
    // Far above the production defaults (20 per address, 100 per email): the authorization matrix
    // alone sends 64 wrong-key requests from 127.0.0.1 for one email within seconds.
    // test/integration/sign-in-throttle.test.ts sets its own limits.
    SIGN_IN_MAX_FAILURES_PER_ADDRESS: "10000",
    SIGN_IN_MAX_FAILURES_PER_EMAIL: "10000",
    ...overrides,
  };
}

export interface Harness {
  config: Config;
  api: ApiDeps;
  worker?: WorkerDeps;
  running?: RunningWorkers;
  /** Every log line of this harness (API and worker), as JSON text. */
  logs: string[];
  /** The express app, for a test that needs a listening server (a chosen client address, say). */
  app: Express;
  request: ReturnType<typeof supertest>;
  /** POST with a caller's Verta headers (the admin by default). */
  post(path: string, body: unknown, caller?: Caller): supertest.Test;
  createWorkspace(name?: string): Promise<{ id: number; name: string }>;
  createUser(workspaceIds: number[], systemAdmin?: boolean): Promise<Caller & { id: number }>;
  /** createWebhook as the admin, which must answer 200; resolves with the webhook. */
  createWebhook(body: Record<string, unknown>): Promise<Record<string, any> & { id: number }>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  worker?: boolean;
  env?: Record<string, string>;
  /** Reach PostgreSQL some other way (through a TcpProxy, say): gets the database's name. */
  databaseUrl?: (name: string) => string;
  /** Settings of the worker alone (its own DATABASE_URL or REDIS_URL, say): gets the database's name. */
  workerEnv?: (databaseName: string) => Record<string, string>;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const database = await createTestDatabase();
  const prefix = `mhtest-${runId()}-${process.pid}-${++harnessCounter}`;
  const databaseUrl = options.databaseUrl?.(database.name) ?? database.url;
  const config = loadConfig(testEnv({ DATABASE_URL: databaseUrl, QUEUE_PREFIX: prefix, ...options.env }));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString("utf8"));
      callback();
    },
  });
  const logger = createLogger(config, "test", [new winston.transports.Stream({ stream: sink })]);
  const api = createApiDeps(config, logger.child({ service: "api" }));
  snapshotAfter(api.db, () => api.eventIntake.drain());
  await ensureBootstrapAdmin(api.db, ADMIN.email, ADMIN.key);
  const app = createApp(api);
  const request = supertest(app);
  let suffix = 0;
  const unique = (base: string) => `${base}-${process.pid}-${harnessCounter}-${++suffix}`;

  const harness: Harness = {
    config,
    api,
    logs,
    app,
    request,
    post(path, body, caller = ADMIN) {
      return request
        .post(path)
        .set("grpc-metadata-email", caller.email)
        .set("grpc-metadata-developer_key", caller.key)
        .send(body as object);
    },
    async createWorkspace(name = unique("ws")) {
      const response = await harness.post("/api/v1/admin/workspaces", { name });
      if (response.status !== 200) throw new Error(`createWorkspace: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body as { id: number; name: string };
    },
    async createUser(workspaceIds, systemAdmin = false) {
      const email = `${unique("user")}@example.test`;
      const response = await harness.post("/api/v1/admin/users", { email, workspace_ids: workspaceIds, system_admin: systemAdmin });
      if (response.status !== 200) throw new Error(`createUser: ${response.status} ${JSON.stringify(response.body)}`);
      return { id: response.body.id as number, email, key: response.body.developer_key as string };
    },
    async createWebhook(body) {
      const response = await harness.post(`${EVENTS}/createWebhook`, body);
      if (response.status !== 200) throw new Error(`createWebhook: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body as Record<string, any> & { id: number };
    },
    async startWorker() {
      const workerConfig = options.workerEnv
        ? loadConfig(testEnv({ DATABASE_URL: databaseUrl, QUEUE_PREFIX: prefix, ...options.env, ...options.workerEnv(database.name) }))
        : config;
      harness.worker = createWorkerDeps(workerConfig, logger.child({ service: "worker" }));
      harness.running = await startWorkers(harness.worker);
    },
    async stopWorker() {
      await harness.running?.close(config.SHUTDOWN_TIMEOUT_MS);
      if (harness.worker) await closeWorkerDeps(harness.worker);
      harness.running = undefined;
      harness.worker = undefined;
    },
    async close() {
      // Errors the service logged are the first clue when a test fails; show them.
      const errors = logs.filter((line) => line.includes('"level":"error"'));
      if (errors.length) process.stderr.write(`errors logged during ${prefix}:\n${errors.join("")}`);
      await harness.stopWorker();
      await deleteRedisKeys(api.redis, prefix).catch(() => undefined);
      await closeApiDeps(api);
      await dropDatabase(database.name);
    },
  };
  if (options.worker) await harness.startWorker();
  return harness;
}

/** The real worker (apps/worker/src/main.ts) as a process of its own, on the harness's database and queue prefix. */
export function startWorkerProcess(h: Harness, env: Record<string, string> = {}): ServiceProcess {
  return startProcess(
    "apps/worker/src/main.ts",
    testEnv({ DATABASE_URL: h.config.DATABASE_URL, QUEUE_PREFIX: h.config.QUEUE_PREFIX, ...env }),
    { label: "worker" },
  );
}

import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { Cluster } from "ioredis";
import { ApiClient, EVENTS_PATH } from "../../scripts/lib/api-client.js";
import {
  privateRedisCluster,
  startApi,
  startProcess,
  startWorker,
  stopProcess,
  type PrivateRedisCluster,
  type RunningApi,
  type RunningWorker,
} from "../../scripts/lib/local-services.js";
import { waitFor } from "../../scripts/lib/wait-for.js";
import { ADMIN, testEnv } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { createTestDatabase, dropDatabase, runId } from "../support/test-database.js";

// The whole pipeline on a real Redis Cluster (three local masters, REDIS_URL redis-cluster://…):
// the built API and two workers, a delivery that needs a retry, both registry flows with a scan
// build (the demo, against this service), a load with one worker SIGKILLed in the middle, and the
// queue keys all in the one slot of their hash tag, as BullMQ requires.
const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;
if (!hasRedisServer) process.stdout.write("redis-cluster.test.ts skipped: no redis-server on the PATH to build a local cluster with\n");
const itWithRedis = hasRedisServer ? it : it.skip;

const LOAD_EVENTS = 150;
let cluster: PrivateRedisCluster | undefined;
let database: { name: string; url: string };
let receiver: Receiver;
let api: RunningApi | undefined;
const workers: RunningWorker[] = [];
const prefix = `mhtest-${runId()}-cluster-${process.pid}`;

beforeAll(async () => {
  if (!hasRedisServer) return;
  cluster = await privateRedisCluster(3);
  database = await createTestDatabase();
  receiver = await Receiver.start();
}, 60_000);
afterAll(async () => {
  await Promise.all([api, ...workers].filter((service) => service !== undefined).map((service) => stopProcess(service, 5000)));
  await receiver?.close();
  await cluster?.stop();
  if (database) await dropDatabase(database.name);
});

itWithRedis(
  "delivers with a retry, runs both registry flows with a build, and loses nothing when a worker is SIGKILLed mid-load",
  async () => {
    const env = testEnv({
      REDIS_URL: cluster!.url,
      DATABASE_URL: database.url,
      QUEUE_PREFIX: prefix,
      BUILD_DURATION_MS: "500",
      LOG_LEVEL: "info",
    });
    api = await startApi(env, { label: "api" });
    workers.push(await startWorker(env, { label: "worker-1" }), await startWorker(env, { label: "worker-2" }));
    const client = new ApiClient(api.url, ADMIN);

    // A delivery that fails once and is retried.
    receiver.sequence("/retry", [500, 200]);
    const retried = await client.createWebhook({
      name: "retry",
      location: receiver.url("/retry"),
      event_types: ["CREATE"],
      all_events: false,
    });
    expect(
      (
        await client.createEvent({
          event_uuid: "cluster-retry",
          event_type: "CREATE",
          workspace_id: retried.workspace_id,
          resource_type: "REGISTERED_MODEL",
        })
      ).status,
    ).toBe(202);
    const call = await waitFor(
      async () => {
        const found = await client.post<{ calls: Array<{ status: string; attempts: number }> }>(`${EVENTS_PATH}/findWebhookCall`, {
          event_uuids: ["cluster-retry"],
        });
        return found.calls[0]?.status === "SUCCESS" && found.calls[0];
      },
      { what: "the retried call to succeed", timeoutMs: 30_000 },
    );
    expect(call.attempts).toBe(2);
    expect(receiver.received("/retry").map((request) => request.headers["x-modelhooks-attempt"])).toEqual(["1", "2"]);

    // Both documented flows, the scan's delayed build included, played by the demo against this service.
    const demo = startProcess(
      "scripts/demo/main.ts",
      { MODELHOOKS_URL: api.url, ADMIN_EMAIL: ADMIN.email, ADMIN_DEVELOPER_KEY: ADMIN.key },
      { label: "demo" },
    );
    expect(await demo.exited).toBe(0);
    expect(demo.output()).toContain("✓ demo complete");
    expect(demo.output()).toMatch(/scan_status scanned, safety_status safe/);

    // Load, with one worker SIGKILLed while it is delivering.
    const loaded = await client.createWebhook({
      name: "load",
      location: receiver.url("/load"),
      event_types: ["UPDATE"],
      all_events: false,
    });
    const posting = (async () => {
      for (let i = 0; i < LOAD_EVENTS; i++) {
        const answer = await client.createEvent({
          event_uuid: `cluster-load-${i}`,
          event_type: "UPDATE",
          workspace_id: loaded.workspace_id,
          resource_type: "REGISTERED_MODEL",
        });
        expect(answer.status).toBe(202);
      }
    })();
    await waitFor(() => receiver.received("/load").length >= LOAD_EVENTS / 5, { what: "the load to be under way" });
    workers[0]!.child.kill("SIGKILL");
    await workers[0]!.exited;
    await posting;
    await waitFor(() => new Set(receiver.received("/load").map((request) => request.headers["webhook-id"])).size === LOAD_EVENTS, {
      what: `all ${LOAD_EVENTS} events delivered after the SIGKILL`,
      timeoutMs: 60_000,
    });
    // The last receipt may come a moment before its worker records it.
    const succeeded = async () =>
      (
        await client.post<{ calls: Array<{ status: string }>; total_records: number }>(`${EVENTS_PATH}/findWebhookCall`, {
          webhook_ids: [loaded.id],
          page_limit: 1,
          status: ["SUCCESS"],
        })
      ).total_records;
    await waitFor(async () => (await succeeded()) === LOAD_EVENTS, {
      what: `all ${LOAD_EVENTS} calls recorded SUCCESS`,
      timeoutMs: 10_000,
    });

    // The dashboard and the sign-in throttle work on the cluster too.
    const dashboard = await fetch(`${api.url}/admin/queues/api/queues`, {
      headers: { "grpc-metadata-email": ADMIN.email, "grpc-metadata-developer_key": ADMIN.key },
    });
    expect(dashboard.status).toBe(200);
    expect((await client.as({ email: ADMIN.email, key: "wrong" }).send("POST", `${EVENTS_PATH}/findWebhook`, {})).status).toBe(401);

    // Every queue key carries the hash tag, so each queue's keys share one slot.
    const redis = new Cluster(cluster!.ports.map((port) => ({ host: "127.0.0.1", port })));
    try {
      await new Promise((resolve) => redis.once("ready", resolve));
      const keys: string[] = [];
      for (const node of redis.nodes("master")) keys.push(...(await node.keys(`*${prefix}*`)));
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((key) => key.startsWith(`{${prefix}}:`))).toBe(true);
      const slots = new Set(await Promise.all(keys.slice(0, 50).map((key) => redis.cluster("KEYSLOT", key))));
      expect(slots.size).toBe(1);
    } finally {
      redis.disconnect();
    }
  },
  240_000,
);

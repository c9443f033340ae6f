import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { publishEvent } from "@modelhooks/events";
import { jobIds } from "@modelhooks/queues";
import { postEvent, sendEvents, waitForCall, workspaceWithWebhook } from "../support/calls.js";
import { createHarness, type Harness } from "../support/harness.js";
import { privateRedis, throughProxy, type PrivateRedis } from "../../scripts/lib/local-services.js";
import { Receiver } from "../support/receiver.js";
import { TcpProxy } from "../support/tcp-proxy.js";
import { databaseUrl } from "../support/test-database.js";
import { testPostgresUrl } from "../support/test-servers.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

const receiver = Receiver.forThisFile();

describe("PostgreSQL unreachable", () => {
  let proxy: TcpProxy;
  let h: Harness;
  beforeAll(async () => {
    proxy = await TcpProxy.to(testPostgresUrl(), 5432).start();
    h = await createHarness({ worker: true, databaseUrl: (name) => throughProxy(databaseUrl(name), proxy.port) });
  });
  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await h.close();
    await proxy.cut();
  });

  it("answers 503 with a clear error, fails /readyz, and the worker resumes its jobs when it is back", async () => {
    const workspace = await workspaceWithWebhook(h, "db-down", receiver.url("/db-down"));

    await proxy.cut();
    const refused = await postEvent(h, workspace.id, "db-down-api");
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: "unavailable", message: expect.stringMatching(/database/) });
    expect(JSON.stringify(refused.body)).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    const ready = await h.request.get("/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ postgres: expect.stringMatching(/^unreachable/), redis: "ok" });

    // A platform service publishes straight to Redis meanwhile: the worker cannot record it yet.
    await publishEvent(h.api.queues, {
      event_uuid: "db-down-published",
      event_type: "CREATE",
      workspace_id: workspace.id,
      resource_type: "BUILD",
    });
    // The worker took the job and failed it (to retry later): it could not record the event, so nothing went out.
    await waitFor(
      async () =>
        ((await h.api.queues.queues.events.getJob(jobIds.publishedEvent(workspace.id, "db-down-published")))?.attemptsMade ?? 0) >= 1,
      {
        what: "the fan-out to have tried the published event",
      },
    );
    expect(receiver.received("/db-down")).toHaveLength(0);

    await proxy.restore();
    await waitFor(async () => (await h.request.get("/readyz")).status === 200, { what: "readyz back" });
    await waitFor(() => receiver.received("/db-down").some((request) => request.json.event_uuid === "db-down-published"), {
      timeoutMs: 40_000,
      what: "the published event delivered after the database returned",
    });
    const [call] = await waitForCall(h, "db-down-published", "SUCCESS");
    expect(call!.attempts).toBe(1);
  });
});

describe("Redis restarted during deliveries", () => {
  let redis: PrivateRedis;
  let h: Harness;
  beforeAll(async () => {
    redis = await privateRedis();
    h = await createHarness({ worker: true, env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await redis.start().catch(() => undefined);
    await h.close();
    await redis.stop();
  });

  it("loses nothing: every call ends SUCCESS even though Redis came back empty", async () => {
    receiver.on("/redis-restart", () => ({ status: 200, delayMs: 100 }));
    const workspace = await workspaceWithWebhook(h, "redis-restart", receiver.url("/redis-restart"));
    const total = 30;
    await sendEvents(h, workspace.id, "redis-restart", total, { event_type: "UPDATE", resource_type: "MODEL_VERSION" });
    await waitFor(() => receiver.received("/redis-restart").length >= 3, { what: "first deliveries" });
    await redis.stop(); // no persistence: queued and delayed jobs are gone with it
    await waitFor(() => h.api.redis.status !== "ready" && h.worker?.redis.status !== "ready", {
      what: "the API and the worker to notice Redis is gone",
    });
    await redis.start();
    await waitFor(
      async () => (await h.api.db.webhookCall.count({ where: { status: "SUCCESS", webhook: { workspaceId: workspace.id } } })) === total,
      {
        timeoutMs: 45_000,
        what: `all ${total} calls SUCCESS`,
      },
    );
    expect(await h.api.db.webhookCall.count({ where: { webhook: { workspaceId: workspace.id } } })).toBe(total);
    expect(new Set(receiver.received("/redis-restart").map((request) => request.json.event_uuid)).size).toBe(total);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { postEvent } from "../support/calls.js";
import { createHarness, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { databaseUrl } from "../support/test-database.js";
import { testPostgresUrl, testRedisUrl } from "../support/test-servers.js";
import { PgTap } from "../../scripts/lib/pg-tap.js";
import { RedisTap } from "../../scripts/lib/redis-tap.js";
import { throughProxy } from "../../scripts/lib/local-services.js";
import { waitFor, waitForUpTo } from "../../scripts/lib/wait-for.js";

// The hidden cost of the hot paths, counted exactly on the real code through counting proxies
// (docs/performance.md, census): a change that adds a PostgreSQL round trip or Redis commands to
// createEvent, the fan-out or a delivery fails here. The API and the worker each talk through taps
// of their own; events go one at a time, so no batching blurs the counts.

const postgres = new URL(testPostgresUrl());
const redis = new URL(testRedisUrl());
let taps: { apiPg: PgTap; workerPg: PgTap; apiRedis: RedisTap; workerRedis: RedisTap };
let h: Harness;
const receiver = Receiver.forThisFile();

beforeAll(async () => {
  const pgAt = () => PgTap.start(postgres.hostname, Number(postgres.port || 5432));
  const redisAt = () => RedisTap.start(redis.hostname, Number(redis.port || 6379));
  taps = { apiPg: await pgAt(), workerPg: await pgAt(), apiRedis: await redisAt(), workerRedis: await redisAt() };
  h = await createHarness({
    worker: true,
    databaseUrl: (name) => throughProxy(databaseUrl(name), taps.apiPg.port),
    env: {
      REDIS_URL: taps.apiRedis.url(),
      // No background work inside the counted windows: the relay and the stalled-job check stay away.
      OUTBOX_RELAY_INTERVAL_MS: "3600000",
      OUTBOX_RELAY_GRACE_MS: String(10 * 365 * 24 * 3_600_000),
      WORKER_STALLED_INTERVAL_MS: "600000",
      WORKER_LOCK_DURATION_MS: "600000",
      // The counted createEvent finds its caller in the sign-in cache however long the warm-up took.
      AUTH_CACHE_TTL_MS: "600000",
      // …and its address and email under the sign-in throttle's limits, as a client sending steadily does.
      SIGN_IN_THROTTLE_CACHE_MS: "600000",
    },
    workerEnv: (name) => ({ DATABASE_URL: throughProxy(databaseUrl(name), taps.workerPg.port), REDIS_URL: taps.workerRedis.url() }),
  });
});
afterAll(async () => {
  await h.close();
  for (const tap of Object.values(taps)) await tap.close();
});

/**
 * Round trips of the path under count: each process also pings PostgreSQL every 2 s to know it
 * is there (one `SELECT 1` round trip each), which a slow window may catch.
 */
const countedRoundTrips = (tap: PgTap) => tap.roundTrips - tap.statements.filter((sql) => sql.trim() === "SELECT 1").length;

/** Until the tap has seen no round trip for 300 ms. */
async function quiet(tap: PgTap, whose: string): Promise<void> {
  let last = -1;
  await waitForUpTo(
    () => {
      const still = countedRoundTrips(tap) === last;
      last = countedRoundTrips(tap);
      return still;
    },
    { what: `${whose} to go quiet`, intervalMs: 300 },
  );
}

function resetTaps(): void {
  for (const tap of Object.values(taps)) tap.reset();
}

/** One event to `fanOut` webhooks: what the API spent on createEvent, and what the worker spent until every delivery was recorded. */
async function census(workspaceId: number, path: string, uuid: string, fanOut: number) {
  const delivered = () => receiver.requests.filter((request) => request.path === path && request.json.event_uuid === uuid).length;
  resetTaps();
  expect((await postEvent(h, workspaceId, uuid)).status).toBe(202);
  // The enqueued_at mark is sent after the answer.
  await quiet(taps.apiPg, "the API");
  const unprefixed = (name: string) => name.replace(`${h.config.QUEUE_PREFIX}:`, "");
  const api = { pg: countedRoundTrips(taps.apiPg), redis: taps.apiRedis.tally().map(([name, count]) => [unprefixed(name), count]) };
  await waitFor(() => delivered() >= fanOut, { what: `${fanOut} deliveries of ${uuid}` });
  await waitFor(async () => (await h.api.db.webhookCall.count({ where: { event: { uuid }, status: "SUCCESS" } })) === fanOut, {
    what: "every attempt recorded",
  });
  // The last record has been written.
  await quiet(taps.workerPg, "the worker");
  return {
    api,
    worker: { pg: countedRoundTrips(taps.workerPg), statements: [...taps.workerPg.statements], redis: taps.workerRedis.count },
  };
}

async function workspaceWith(fanOut: number, path: string): Promise<number> {
  const workspace = await h.createWorkspace();
  for (let n = 0; n < fanOut; n++)
    await h.createWebhook({ name: `census-${n}`, workspace_id: workspace.id, location: receiver.url(path), all_events: true });
  return workspace.id;
}

describe("round trips per event and per delivery", () => {
  it("createEvent: 2 PostgreSQL round trips (the INSERT, enqueued_at) and 2 Redis commands (the ingestion limit's script, the job's script), at any fan-out", async () => {
    for (const fanOut of [1, 10]) {
      const workspaceId = await workspaceWith(fanOut, `/api-${fanOut}`);
      // The first request warms the sign-in cache and the scripts Redis loads once.
      await census(workspaceId, `/api-${fanOut}`, `api-warm-${fanOut}`, fanOut);
      const { api } = await census(workspaceId, `/api-${fanOut}`, `api-counted-${fanOut}`, fanOut);
      expect(api.pg).toBe(2);
      expect(api.redis).toEqual([
        [`EVALSHA ingest:${workspaceId}`, 1],
        ["EVALSHA events:marker", 1],
      ]);
    }
  });

  it("the worker: one event to one webhook in 4 PostgreSQL round trips; to ten, no more than 2 per delivery plus the fan-out's 2", async () => {
    const one = await workspaceWith(1, "/worker-1");
    await census(one, "/worker-1", "worker-warm-1", 1);
    const single = await census(one, "/worker-1", "worker-counted-1", 1);
    // The fan-out page, fanned_out_at, the claim, the record.
    expect({ roundTrips: single.worker.pg, statements: single.worker.statements }).toMatchObject({ roundTrips: 4 });

    const ten = await workspaceWith(10, "/worker-10");
    await census(ten, "/worker-10", "worker-warm-10", 10);
    const wide = await census(ten, "/worker-10", "worker-counted-10", 10);
    expect(wide.worker.pg).toBeLessThanOrEqual(2 + 2 * 10);
    // Redis per delivery does not grow with the fan-out either (the fan-out's addBulk is one MULTI).
    expect(wide.worker.redis / 10).toBeLessThanOrEqual(single.worker.redis);
  });
});

// The census: PostgreSQL round trips and Redis commands per step of the pipeline, counted on the
// real processes. A second API and worker are started with their DATABASE_URL and REDIS_URL
// pointing at counting proxies (scripts/lib/pg-tap.ts, redis-tap.ts), on the bench database but a
// key prefix of their own; a few events are sent one at a time, to 1, 10 and 100 webhooks. (Per
// delivery is not a constant: concurrent deliveries share their claim and record statements.)
// Run after the measured scenarios; the proxies never slow those.
import { setTimeout as sleep } from "node:timers/promises";
import { ApiClient, type Caller } from "../scripts/lib/api-client.js";
import { startApi, startWorker, stopProcess, throughProxy, type ServiceProcess } from "../scripts/lib/local-services.js";
import { waitFor, waitForUpTo } from "../scripts/lib/wait-for.js";
import { addWebhooks, sendEvent } from "./load.js";
import { PgTap } from "../scripts/lib/pg-tap.js";
import { RedisTap } from "../scripts/lib/redis-tap.js";
import type { Receiver } from "./receiver.js";

export interface CensusCounts {
  roundTrips: number;
  statements: number;
  /** Redis commands (each command of a pipeline or MULTI counted). */
  redisCommands: number;
}

export interface CensusEntry {
  fanOut: number;
  /** For one event (median of the repetitions): the API's createEvent, the worker's fan-out and deliveries. */
  api: CensusCounts;
  worker: CensusCounts;
  workerPerDelivery: CensusCounts;
}

export interface CensusResult {
  measured: CensusEntry[];
  /** The SQL of one event to one webhook, in order. */
  sql: { api: string[]; worker: string[] };
  /** The Redis commands of one event to one webhook, by name and count. */
  redis: { api: Array<[string, number]>; worker: Array<[string, number]> };
}

export interface CensusInput {
  env: Record<string, string>;
  databaseUrl: string;
  queuePrefix: string;
  admin: Caller;
  receiver: Receiver;
  runId: string;
  /** Where the census's processes are listed, so that the bench's clean-up stops them too. */
  services: ServiceProcess[];
}

const REPETITIONS = 3;
const FAN_OUTS = [1, 10, 100];

export async function runCensus(input: CensusInput): Promise<CensusResult> {
  const target = new URL(input.databaseUrl);
  const taps = {
    api: await PgTap.start(target.hostname, Number(target.port || 5432)),
    worker: await PgTap.start(target.hostname, Number(target.port || 5432)),
  };
  const redisTarget = new URL(input.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const redisTaps = {
    api: await RedisTap.start(redisTarget.hostname, Number(redisTarget.port || 6379), input.queuePrefix),
    worker: await RedisTap.start(redisTarget.hostname, Number(redisTarget.port || 6379), input.queuePrefix),
  };
  const env = {
    ...input.env,
    QUEUE_PREFIX: input.queuePrefix,
    // Keep the relay quiet: nothing is overdue for ten years, and it runs once an hour.
    OUTBOX_RELAY_INTERVAL_MS: String(3_600_000),
    OUTBOX_RELAY_GRACE_MS: String(10 * 365 * 24 * 3_600_000),
    // The admin stays signed in, and under the sign-in throttle's limits, across the repetitions,
    // as a client sending steadily does: a fan-out 100 takes longer than the defaults' 5 s and 1 s.
    AUTH_CACHE_TTL_MS: String(600_000),
    SIGN_IN_THROTTLE_CACHE_MS: String(600_000),
  };
  const services: ServiceProcess[] = [];
  const track = <S extends ServiceProcess>(service: S): S => {
    services.push(service);
    input.services.push(service);
    return service;
  };
  let api: ApiClient | undefined;
  try {
    const censusApi = track(
      await startApi(
        { ...env, DATABASE_URL: throughProxy(input.databaseUrl, taps.api.port), REDIS_URL: redisTaps.api.url() },
        { label: "census-api" },
      ),
    );
    track(
      await startWorker(
        { ...env, DATABASE_URL: throughProxy(input.databaseUrl, taps.worker.port), REDIS_URL: redisTaps.worker.url() },
        { label: "census-worker" },
      ),
    );
    api = new ApiClient(censusApi.url, input.admin, { pooledConnections: 4 });

    const workspaces = new Map<number, number>();
    for (const fanOut of FAN_OUTS) {
      const { id: workspaceId } = await api.createWorkspace(`bench-census-${fanOut}-${input.runId}`);
      await addWebhooks(api, workspaceId, "bench-census", fanOut, input.receiver.url("/hook/census"));
      workspaces.set(fanOut, workspaceId);
    }
    await input.receiver.configure(0);
    await sleep(1_000);

    const measured: CensusResult["measured"] = [];
    let sql: CensusResult["sql"] = { api: [], worker: [] };
    let redis: CensusResult["redis"] = { api: [], worker: [] };
    for (const [fanOut, workspaceId] of workspaces) {
      const runs: { api: CensusCounts; worker: CensusCounts }[] = [];
      for (let repetition = 0; repetition < REPETITIONS; repetition++) {
        await input.receiver.reset();
        taps.api.reset();
        taps.worker.reset();
        redisTaps.api.reset();
        redisTaps.worker.reset();
        const accepted = await sendEvent(api, workspaceId, `${input.runId}-census-${fanOut}-${repetition}`, repetition);
        if (accepted === undefined) throw new Error("census: createEvent was refused");
        await waitFor(async () => (await input.receiver.counts()).distinctCalls >= fanOut, {
          what: `census: the deliveries of a fan-out ${fanOut} event`,
          timeoutMs: 30_000,
          onError: "fail",
        });
        await settled(taps.worker);
        // The API marks enqueued_at after its answer; by now it has.
        await settled(taps.api);
        runs.push({ api: counts(taps.api, redisTaps.api), worker: counts(taps.worker, redisTaps.worker) });
        if (fanOut === 1 && repetition === 0) {
          sql = { api: [...taps.api.statements], worker: [...taps.worker.statements] };
          redis = { api: redisTaps.api.tally(), worker: redisTaps.worker.tally() };
        }
      }
      const worker = median(runs.map((run) => run.worker));
      measured.push({
        fanOut,
        api: median(runs.map((run) => run.api)),
        worker,
        workerPerDelivery: {
          roundTrips: worker.roundTrips / fanOut,
          statements: worker.statements / fanOut,
          redisCommands: worker.redisCommands / fanOut,
        },
      });
    }
    return { measured, sql: { api: sql.api.map(shorten), worker: sql.worker.map(shorten) }, redis };
  } finally {
    for (const service of services) await stopProcess(service, 20_000).catch(() => null);
    await api?.close().catch(() => undefined);
    await taps.api.close();
    await taps.worker.close();
    await redisTaps.api.close();
    await redisTaps.worker.close();
  }
}

/** Work goes on after the answers (the delivery's record, the API's enqueued_at): wait (up to 15 s) until the process has been quiet for 300 ms. */
async function settled(tap: PgTap): Promise<void> {
  let last = -1;
  await waitForUpTo(
    () => {
      const quiet = tap.roundTrips === last;
      last = tap.roundTrips;
      return quiet;
    },
    { what: "the process to go quiet", timeoutMs: 15_000, intervalMs: 300 },
  );
}

/** Without the `SELECT 1` each process pings PostgreSQL with every 2 s, which a slow repetition catches. */
function counts(tap: PgTap, redis: RedisTap): CensusCounts {
  const pings = tap.statements.filter((sql) => sql.trim() === "SELECT 1").length;
  return { roundTrips: tap.roundTrips - pings, statements: tap.statements.length - pings, redisCommands: redis.count };
}

function median(list: CensusCounts[]): CensusCounts {
  const pick = (key: keyof CensusCounts) =>
    [...list.map((entry) => entry[key])].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
  return { roundTrips: pick("roundTrips"), statements: pick("statements"), redisCommands: pick("redisCommands") };
}

/** Head and tail of a statement: which table, and how it ends (ON CONFLICT, RETURNING, LIMIT). */
function shorten(sql: string): string {
  const flat = sql
    .replace(/\s+/g, " ")
    .replace(/"public"\./g, "")
    .trim();
  return flat.length > 170 ? `${flat.slice(0, 110)} … ${flat.slice(-55)}` : flat;
}

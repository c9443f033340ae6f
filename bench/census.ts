// The census: PostgreSQL round trips per step of the pipeline, counted on the real processes.
// A second API and worker are started with their DATABASE_URL pointing at a counting proxy
// (pg-tap.ts), on the bench database but a key prefix of their own; a few events are sent one
// at a time, to one webhook and to ten. (Per delivery is not a constant: Prisma batches the
// findUnique calls of concurrent deliveries into one query.) Run after the measured scenarios;
// the proxy never slows those.
import { createRedis, JobQueues } from "@modelhooks/queues";
import { ApiClient, type Admin } from "./api-client.js";
import { PgTap } from "./pg-tap.js";
import type { Receiver } from "./receiver.js";
import { freePort } from "../scripts/lib/local-services.js";
import { sleep, startService, stopService, waitUntil, type Service } from "./services.js";

export interface CensusCounts {
  roundTrips: number;
  statements: number;
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
}

export interface CensusInput {
  env: Record<string, string>;
  databaseUrl: string;
  queuePrefix: string;
  admin: Admin;
  receiver: Receiver;
  runId: string;
  redisUrl: string;
  /** Where the census's processes are listed, so that the bench's clean-up stops them too. */
  services: Service[];
}

const REPETITIONS = 3;

export async function runCensus(input: CensusInput): Promise<CensusResult> {
  const target = new URL(input.databaseUrl);
  const taps = {
    api: await PgTap.start(target.hostname, Number(target.port || 5432)),
    worker: await PgTap.start(target.hostname, Number(target.port || 5432)),
  };
  const through = (tap: PgTap) => {
    const url = new URL(input.databaseUrl);
    url.hostname = "127.0.0.1";
    url.port = String(tap.port);
    return url.toString();
  };
  const port = await freePort();
  const env = {
    ...input.env,
    PORT: String(port),
    QUEUE_PREFIX: input.queuePrefix,
    WORKER_METRICS_PORT: "0",
    // Keep the relay quiet: nothing is overdue for ten years, and it runs once an hour.
    OUTBOX_RELAY_INTERVAL_MS: String(3_600_000),
    OUTBOX_RELAY_GRACE_MS: String(10 * 365 * 24 * 3_600_000),
  };
  const services: Service[] = [];
  const track = (service: Service) => {
    services.push(service);
    input.services.push(service);
  };
  const api = new ApiClient(`http://127.0.0.1:${port}`, input.admin, 4);
  const queues = new JobQueues(createRedis(input.redisUrl, "worker"), { prefix: input.queuePrefix, deliveryMaxAttempts: 8 });
  try {
    track(await startService("api", { ...env, DATABASE_URL: through(taps.api) }, "census-api"));
    track(await startService("worker", { ...env, DATABASE_URL: through(taps.worker) }, "census-worker"));
    const ready = await waitUntil(async () => (await api.health()) && (await queues.queues.deliveries.getWorkersCount()) >= 1, 60_000, 200);
    if (!ready) throw new Error("census: the API or the worker did not become ready within 60 s");

    const workspaces = new Map<number, number>();
    for (const fanOut of [1, 10]) {
      const workspaceId = await api.createWorkspace(`bench-census-${fanOut}-${input.runId}`);
      for (let index = 0; index < fanOut; index++)
        await api.createWebhook(workspaceId, `bench-census-${index + 1}`, input.receiver.url("/hook/census"));
      workspaces.set(fanOut, workspaceId);
    }
    await input.receiver.configure(0);
    await sleep(1_000);

    const measured: CensusResult["measured"] = [];
    let sql: CensusResult["sql"] = { api: [], worker: [] };
    for (const [fanOut, workspaceId] of workspaces) {
      const runs: { api: CensusCounts; worker: CensusCounts }[] = [];
      for (let repetition = 0; repetition < REPETITIONS; repetition++) {
        await input.receiver.reset();
        taps.api.reset();
        taps.worker.reset();
        const accepted = await api.createEvent(workspaceId, `${input.runId}-census-${fanOut}-${repetition}`, repetition);
        if (accepted === undefined) throw new Error("census: createEvent was refused");
        const delivered = await waitUntil(async () => (await input.receiver.counts()).distinctCalls >= fanOut, 10_000);
        if (!delivered) throw new Error(`census: the deliveries of a fan-out ${fanOut} event did not arrive within 10 s`);
        await settled(taps.worker);
        runs.push({ api: counts(taps.api), worker: counts(taps.worker) });
        if (fanOut === 1 && repetition === 0) sql = { api: [...taps.api.statements], worker: [...taps.worker.statements] };
      }
      const worker = median(runs.map((run) => run.worker));
      measured.push({
        fanOut,
        api: median(runs.map((run) => run.api)),
        worker,
        workerPerDelivery: { roundTrips: worker.roundTrips / fanOut, statements: worker.statements / fanOut },
      });
    }
    return { measured, sql: { api: sql.api.map(shorten), worker: sql.worker.map(shorten) } };
  } finally {
    for (const service of services) await stopService(service).catch(() => null);
    await api.close().catch(() => undefined);
    await queues.close().catch(() => undefined);
    queues.connection.disconnect();
    await taps.api.close();
    await taps.worker.close();
  }
}

/** The delivery is recorded after the receiver answered: wait until the worker has been quiet for 300 ms. */
async function settled(tap: PgTap): Promise<void> {
  let last = -1;
  for (let tries = 0; tries < 50 && tap.roundTrips !== last; tries++) {
    last = tap.roundTrips;
    await sleep(300);
  }
}

function counts(tap: PgTap): CensusCounts {
  return { roundTrips: tap.roundTrips, statements: tap.statements.length };
}

function median(list: CensusCounts[]): CensusCounts {
  const pick = (key: keyof CensusCounts) =>
    [...list.map((entry) => entry[key])].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
  return { roundTrips: pick("roundTrips"), statements: pick("statements") };
}

/** Head and tail of a statement: which table, and how it ends (ON CONFLICT, RETURNING, LIMIT). */
function shorten(sql: string): string {
  const flat = sql
    .replace(/\s+/g, " ")
    .replace(/"public"\./g, "")
    .trim();
  return flat.length > 170 ? `${flat.slice(0, 110)} … ${flat.slice(-55)}` : flat;
}

// `npm run soak`: a bounded soak of the real processes. Steady createEvent load to six receivers
// (two healthy, two failing at random, one always failing, one hanging until the delivery
// timeout), the worker SIGKILLed and restarted every ~20 s, Redis client connections dropped
// once. Then it waits for every call to be final and prints the figures; exit code 1 if anything
// was lost or stuck. Everything runs on its own database, redis-server and loopback ports, all
// removed at the end (Ctrl-C included). See docs/reliability.md.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { Redis } from "ioredis";
import pg from "pg";
import { createRedis, JobQueues, OUTBOX_RELAY_SCHEDULER } from "@modelhooks/queues";
import { ApiClient } from "../lib/api-client.js";
import { databaseUrl as databaseUrlOf, dropDatabase, migrateDatabase, privateRedis, type PrivateRedis } from "../lib/local-services.js";
import { waitFor, waitForUpTo } from "../lib/wait-for.js";
import { computeFigures, readSnapshot, unfinished, type SoakWebhook } from "./figures.js";
import { LoadGenerator } from "./load.js";
import { oldHistoryLeft, seedOldHistory } from "./old-history.js";
import { HELP, parseOptions, type SoakOptions } from "./options.js";
import { seededRandom, SoakReceiver, type Behaviour } from "./receivers.js";
import { formatFigures, passed } from "./report.js";
import { SOAK_QUEUE_PREFIX, SoakServices } from "./services.js";
import { planTimeline, type Timeline } from "./timeline.js";

const MAX_ATTEMPTS = 5; // DELIVERY_MAX_ATTEMPTS in services.ts
const WARM_UP_MS = 5000; // at the soak's rate, before the baseline: JIT, connection pools, caches
const RECEIVERS: [string, Behaviour][] = [
  ["ok-1", "ok"],
  ["ok-2", "ok"],
  ["flaky-1", "flaky"],
  ["flaky-2", "flaky"],
  ["failing", "failing"],
  ["hanging", "hanging"],
];

let options: SoakOptions;
try {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === "help") {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  options = parsed;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${HELP}\n`);
  process.exit(2);
}

const startedAt = Date.now();
const runId = `${startedAt.toString(36)}${randomBytes(2).toString("hex")}`;
const databaseName = `mh_soak_${runId}`;
const admin = { email: "soak@modelhooks.local", key: `soak-${randomBytes(16).toString("hex")}` };
const print = (line = "") => process.stdout.write(`${line}\n`);
const log = (message: string) => print(`[soak ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

const abort = new AbortController();
const aborted = () => abort.signal.aborted;
let redis: PrivateRedis | undefined;
let services: SoakServices | undefined;
let pgClient: pg.Client | undefined;
const receivers: SoakReceiver[] = [];
const recoveries: Promise<unknown>[] = [];
const RELAY_INTERVAL_MS = 500; // OUTBOX_RELAY_INTERVAL_MS in services.ts

/** The relay scheduler's iterations over the load: one per interval in total is the claim. */
class RelayCount {
  private readonly queues: JobQueues;
  private first = 0;
  private since = 0;

  constructor(redisUrl: string) {
    this.queues = new JobQueues(createRedis(redisUrl, "producer"), { prefix: SOAK_QUEUE_PREFIX, deliveryMaxAttempts: MAX_ATTEMPTS });
  }

  private async iterations(): Promise<number> {
    return (await this.queues.queues.maintenance.getJobScheduler(OUTBOX_RELAY_SCHEDULER))?.iterationCount ?? 0;
  }

  async start(): Promise<void> {
    this.first = await this.iterations();
    this.since = Date.now();
  }

  async stop(): Promise<{ runs: number; ms: number }> {
    const runs = (await this.iterations()) - this.first;
    const ms = Date.now() - this.since;
    await this.queues.close();
    this.queues.connection.disconnect();
    return { runs, ms };
  }
}
let cleaned: Promise<void> | undefined;

/** Stops everything the soak started and drops its database; safe to call twice (end and Ctrl-C). */
function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    await services?.stopAll().catch((error: Error) => log(`could not stop the services: ${error.message}`));
    await pgClient?.end().catch(() => undefined);
    await Promise.all(receivers.map((receiver) => receiver.close().catch(() => undefined)));
    await redis?.stop().catch(() => undefined);
    if (options.keepDatabase) log(`kept the database ${databaseName}`);
    else
      await dropDatabase(options.postgresUrl, databaseName).catch((error: Error) =>
        log(`could not drop ${databaseName}: ${error.message}`),
      );
  })();
  return cleaned;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    abort.abort(new Error(`stopped by ${signal}`));
    log(`${signal}: stopping and cleaning up`);
    void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}

/** Drops every client connection of the private Redis (API, worker): they must reconnect on their own. */
async function dropRedisConnections(url: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await client.connect();
    return Number(await client.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"));
  } finally {
    client.disconnect();
  }
}

interface ChaosLog {
  kills: {
    atS: number;
    signal: "SIGKILL" | "SIGTERM";
    restartMs: number;
    exitCode: number | null;
    recoveryMs?: number;
    callsInFlight?: number;
  }[];
  redisDrops: { atS: number; clients: number }[];
}

/**
 * How long the calls in flight when a worker was SIGKILLed (attempt claimed, not recorded) took
 * to be taken up again (claimed anew or finished): the crash-recovery time a person waits for
 * (docs/reliability.md). Undefined when some were still untouched after a minute.
 */
async function measureRecovery(client: pg.Client, killedAt: Date): Promise<{ ms: number | undefined; callsInFlight: number }> {
  const { rows } = await client.query<{ id: number }>(
    // In flight: an attempt number claimed and not yet recorded. Calls merely waiting in the queue
    // are not the killed worker's and would measure the backlog, not the recovery.
    `SELECT c.id FROM webhook_calls c
      WHERE c.status = 'IN_PROGRESS' AND c.updated_at <= $1
        AND c.attempts > (SELECT count(*) FROM webhook_call_attempts a WHERE a.call_id = c.id)`,
    [killedAt],
  );
  const ids = rows.map((row) => row.id);
  const recovered = await waitForUpTo(
    async () => {
      const { rows: left } = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM webhook_calls WHERE id = ANY($1::int[]) AND updated_at <= $2",
        [ids, killedAt],
      );
      return Number(left[0]?.n) === 0;
    },
    { what: "the killed worker's calls to be taken up again", timeoutMs: 60_000, intervalMs: 250, signal: abort.signal },
  );
  return { ms: recovered ? Date.now() - killedAt.getTime() : undefined, callsInFlight: ids.length };
}

/** The chaos schedule, run beside the load: the hanging webhook, the worker kills, the Redis drop. */
async function runChaos(timeline: Timeline, loadStartedAt: number, addHanging: () => Promise<void>, chaos: ChaosLog): Promise<void> {
  const at = (ms: number) => `+${(ms / 1000).toFixed(1)} s`;
  const actions: { atMs: number; run: () => Promise<void> }[] = [
    {
      atMs: timeline.baselineEndMs,
      run: async () => {
        if (options.hanging) await addHanging();
        log(
          `${at(Date.now() - loadStartedAt)} isolation phase: ${options.hanging ? "hanging webhook added" : "no webhook added (--no-hanging)"}`,
        );
      },
    },
    ...timeline.killsAtMs.map((atMs, index) => ({
      atMs,
      run: async () => {
        // With several workers, every other stop is graceful: replicas come and go both ways.
        const signal = options.workers > 1 && index % 2 === 1 ? "SIGTERM" : "SIGKILL";
        const killedAt = new Date();
        const stopped = await services!.stopWorker(signal);
        const recovery = signal === "SIGKILL" ? measureRecovery(pgClient!, killedAt) : undefined;
        const { startMs, worker } = await services!.startWorker();
        const kill: ChaosLog["kills"][number] = {
          atS: (Date.now() - loadStartedAt) / 1000,
          signal,
          restartMs: startMs,
          exitCode: stopped?.exitCode ?? null,
        };
        chaos.kills.push(kill);
        log(
          `${at(atMs)} worker ${stopped?.pid} ${signal === "SIGKILL" ? "SIGKILLed" : `SIGTERMed (exit ${stopped?.exitCode})`}; new worker ${worker.pid} ready in ${(startMs / 1000).toFixed(1)} s`,
        );
        if (recovery)
          recoveries.push(
            recovery.then(({ ms, callsInFlight }) => {
              kill.recoveryMs = ms;
              kill.callsInFlight = callsInFlight;
            }),
          );
      },
    })),
    {
      atMs: timeline.redisDropAtMs,
      run: async () => {
        const clients = await dropRedisConnections(redis!.url);
        chaos.redisDrops.push({ atS: (Date.now() - loadStartedAt) / 1000, clients });
        log(`${at(timeline.redisDropAtMs)} Redis: ${clients} client connections dropped (CLIENT KILL TYPE normal)`);
      },
    },
  ].sort((a, b) => a.atMs - b.atMs);
  for (const action of actions) {
    await sleep(loadStartedAt + action.atMs - Date.now());
    if (aborted()) return;
    await action.run();
  }
}

async function main(): Promise<boolean> {
  const timeline = planTimeline(options.durationS, options.killEveryS);
  print(
    `modelhooks soak: ${options.durationS} s at ${options.rate} events/s, seed ${options.seed}${options.hanging ? "" : ", without the hanging webhook"}`,
  );
  print(
    `  phases: baseline 0–${timeline.baselineEndMs / 1000} s, isolation (${options.hanging ? "hanging webhook" : "--no-hanging: none added"}) –${timeline.isolationEndMs / 1000} s, chaos –${timeline.endMs / 1000} s; ` +
      `worker SIGKILL at ${timeline.killsAtMs.map((ms) => `${ms / 1000}`).join(", ")} s; Redis drop at ${timeline.redisDropAtMs / 1000} s`,
  );

  redis = await privateRedis();
  const databaseUrl = databaseUrlOf(options.postgresUrl, databaseName);
  const env = { databaseUrl, redisUrl: redis.url, admin };
  log(`private redis-server on port ${redis.port}; creating and migrating database ${databaseName}`);
  await migrateDatabase(env.databaseUrl);
  pgClient = new pg.Client({ connectionString: databaseUrl });
  await pgClient.connect();
  if (options.oldHistory > 0) {
    const rows = await seedOldHistory(pgClient, options.oldHistory);
    log(`old history: ${options.oldHistory} events 40 days old, ${rows} rows with their calls and attempts, for retention to delete`);
  }

  for (const [index, [name, behaviour]] of RECEIVERS.entries()) {
    receivers.push(await SoakReceiver.start(name, behaviour, options.failureRate, seededRandom(options.seed + index)));
  }
  services = new SoakServices(env);
  const starting = services;
  const apis = await Promise.all(Array.from({ length: options.apis }, () => starting.startApi()));
  const workers = await Promise.all(Array.from({ length: options.workers }, () => starting.startWorker()));
  const seconds = (started: { startMs: number }[]) => started.map((one) => `${(one.startMs / 1000).toFixed(1)} s`).join(", ");
  log(
    `${options.apis} API(s) ready in ${seconds(apis)} at ${services.apiUrls.join(", ")}; ${options.workers} worker(s) in ${seconds(workers)}`,
  );

  const clients = services.apiUrls.map((url) => new ApiClient(url, admin, { timeoutMs: 10_000 }));
  const client = clients[0] as ApiClient;
  const workspace = await client.createWorkspace(`soak-${runId}`);
  const webhooks: SoakWebhook[] = [];
  const addWebhook = async (receiver: SoakReceiver) => {
    const created = await client.createWebhook({
      name: receiver.name,
      workspace_id: workspace.id,
      location: receiver.url,
      all_events: true,
      mutual_secret: `secret-${receiver.name}`,
    });
    webhooks.push({ id: created.id, name: receiver.name, behaviour: receiver.behaviour, createdAt: Date.now() });
  };
  const hanging = receivers.find((receiver) => receiver.behaviour === "hanging")!;
  for (const receiver of receivers) if (receiver !== hanging) await addWebhook(receiver);

  const load = new LoadGenerator(clients, workspace.id, runId);
  await load.run(options.rate, Date.now() + WARM_UP_MS, aborted);
  await load.settle();
  const warmUp = load.sent.filter((event) => event.acceptedAt !== undefined).length;
  const healthy = receivers.filter((receiver) => receiver.acceptsEventually);
  await waitFor(() => healthy.every((receiver) => new Set(receiver.receipts.map((receipt) => receipt.eventUuid)).size >= warmUp), {
    what: "the warm-up events",
    timeoutMs: 30_000,
    intervalMs: 200,
    signal: abort.signal,
  });
  log(`warm-up: ${warmUp} events delivered; the measured load starts`);

  const chaos: ChaosLog = { kills: [], redisDrops: [] };
  const relay = new RelayCount(redis.url);
  await relay.start();
  const loadStartedAt = Date.now();
  await Promise.all([
    load.run(options.rate, loadStartedAt + timeline.endMs, aborted),
    runChaos(timeline, loadStartedAt, () => addWebhook(hanging), chaos),
  ]);
  await load.settle();
  if (aborted()) return false;
  log(
    `load done: ${load.sent.length} events sent${load.skipped ? `, ${load.skipped} ticks skipped (API too slow)` : ""}; ${options.hanging ? "the hanging receiver recovers; " : ""}draining (up to ${options.drainS} s)`,
  );

  hanging.recover();
  const drainStarted = Date.now();
  const db = pgClient;
  const drained = await waitForUpTo(async () => (await unfinished(db)) === 0, {
    what: "every call to be final",
    timeoutMs: options.drainS * 1000,
    intervalMs: 500,
    signal: abort.signal,
  });
  const pending = drained ? 0 : await unfinished(db);
  log(
    drained
      ? `drained in ${((Date.now() - drainStarted) / 1000).toFixed(1)} s`
      : `drain gave up after ${options.drainS} s with ${pending} calls or events unfinished`,
  );
  await sleep(500); // late duplicates of the last kills, if any, still reach the receivers
  await Promise.all(recoveries);
  const relayRuns = await relay.stop();
  const historyLeft = options.oldHistory > 0 ? await oldHistoryLeft(pgClient) : 0;
  if (options.oldHistory > 0)
    log(`old history: ${options.oldHistory - historyLeft} of ${options.oldHistory} events deleted by retention, ${historyLeft} left`);

  const figures = computeFigures({
    sent: load.sent,
    webhooks,
    receipts: new Map(receivers.map((receiver) => [receiver.name, receiver.receipts])),
    snapshot: await readSnapshot(pgClient),
    timeline,
    loadStartedAt,
    maxAttempts: MAX_ATTEMPTS,
  });
  const ok = passed(figures);
  print();
  const sigkills = chaos.kills.filter((kill) => kill.signal === "SIGKILL");
  const sigterms = chaos.kills.filter((kill) => kill.signal === "SIGTERM");
  const recoveryTimes = sigkills.map((kill) => kill.recoveryMs);
  const worstRecoveryMs = recoveryTimes.some((ms) => ms === undefined) ? undefined : Math.max(0, ...(recoveryTimes as number[]));
  print(
    `chaos: ${options.apis} API(s), ${options.workers} worker(s); worker SIGKILLed ${sigkills.length}×, SIGTERMed ${sigterms.length}× ` +
      `(exit codes ${sigterms.map((kill) => kill.exitCode).join(", ") || "-"}), each replaced (restarts ${chaos.kills.map((kill) => `${(kill.restartMs / 1000).toFixed(1)} s`).join(", ")}); ` +
      `Redis connections dropped ${chaos.redisDrops.length}×`,
  );
  print(
    `recovery after a SIGKILL (calls in flight taken up again): worst ${worstRecoveryMs === undefined ? "over 60 s" : `${(worstRecoveryMs / 1000).toFixed(1)} s`}` +
      ` (each: ${
        sigkills
          .map(
            ({ recoveryMs: ms, callsInFlight }) =>
              `${ms === undefined ? "> 60 s" : `${(ms / 1000).toFixed(1)} s`} for ${callsInFlight} calls`,
          )
          .join(", ") || "no kill"
      })`,
  );
  print(
    `outbox relay: ${relayRuns.runs} scheduled runs in ${(relayRuns.ms / 1000).toFixed(0)} s at one per ${RELAY_INTERVAL_MS} ms ` +
      `(${((relayRuns.runs * RELAY_INTERVAL_MS) / relayRuns.ms).toFixed(2)} per interval, however many workers)`,
  );
  print();
  print(formatFigures(figures));
  const errors = services.errors;
  if (errors.count) print(`\nerrors the services logged (${errors.count}, last 10):\n${errors.last.join("\n")}`);
  print();
  print(ok ? "✓ soak passed: nothing lost, nothing stuck" : `✗ soak failed: lost ${figures.lost}, stuck ${figures.stuck}`);
  if (options.jsonPath) {
    const report = { options, timeline, chaos, worstRecoveryMs, relayRuns, figures, errorsLogged: errors.count, passed: ok };
    await writeFile(options.jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  }
  return ok;
}

let exitCode = 1;
try {
  exitCode = (await main()) ? 0 : 1;
} catch (error) {
  // Stopped by a signal: its handler reports that and exits once the clean-up is done.
  if (!aborted()) print(`\n✗ soak failed: ${(error as Error).message}`);
} finally {
  await cleanup();
}
process.exit(exitCode);

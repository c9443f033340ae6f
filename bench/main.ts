// `npm run bench`: the pipeline's throughput, latency and memory, measured on the real processes
// (API + workers) against the local Redis and PostgreSQL, on a database and key prefix of its own,
// next to the limit of the HTTP client itself. Never part of `npm test`. See docs/performance.md.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "@modelhooks/config";
import { createRedis, JobQueues } from "@modelhooks/queues";
import { ApiClient, type Caller } from "../scripts/lib/api-client.js";
import {
  databaseUrl,
  deleteRedisKeys,
  dropDatabase,
  migrateDatabase,
  ROOT,
  startApi,
  startWorker,
  stopProcess,
  type RunningApi,
  type RunningWorker,
  type ServiceProcess,
} from "../scripts/lib/local-services.js";
import { runCensus, type CensusResult } from "./census.js";
import { DbStats } from "./db-stats.js";
import { scrapeAll } from "./memory.js";
import { lifetimePeakMb } from "./monitor.js";
import { startBareExpress, stopBareExpress } from "./bare-express.js";
import { parseOptions, type BenchOptions } from "./options.js";
import { formatSummary, summarizeProfile, type ProfileSummary } from "./profile-summary.js";
import { Receiver } from "./receiver.js";
import { checkTargets, formatReport } from "./report.js";
import {
  PIPELINE_SCENARIOS,
  runBacklogScenario,
  runIngestScenario,
  runNeighbourScenario,
  runPipelineScenario,
  runWideFanOutScenario,
  type BacklogResult,
  type BenchContext,
  type IngestResult,
  type NeighbourResult,
  type PipelineResult,
  type WideFanOutResult,
} from "./scenarios.js";

const options = parseOptions(process.argv.slice(2));
const started = Date.now();
const runId = `${started.toString(36)}${randomBytes(2).toString("hex")}`;
const databaseName = `mh_bench_${runId}`;
const queuePrefix = `mhbench-${runId}`;
const censusPrefix = `mhbench-${runId}-census`;
const resultsDir = path.join(ROOT, "bench/results");
const profileDir = path.join(resultsDir, "profiles", runId);
const admin: Caller = { email: "bench@modelhooks.local", key: `bench-${randomBytes(12).toString("hex")}` };

const STOP_GRACE_MS = 20_000;
const log = (message: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);

const services: ServiceProcess[] = [];
let receiver: Receiver | undefined;
let api: ApiClient | undefined;
let queues: JobQueues | undefined;
let dbStats: DbStats | undefined;
let cleaned: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    await Promise.all(services.map((service) => stopProcess(service, STOP_GRACE_MS).catch(() => null)));
    await receiver?.stop().catch(() => undefined);
    await api?.close().catch(() => undefined);
    await queues?.close().catch(() => undefined);
    await dbStats?.close().catch(() => undefined);
    queues?.connection.disconnect();
    await dropDatabase(options.postgresUrl, databaseName).catch((error: Error) => log(`could not drop ${databaseName}: ${error.message}`));
    for (const prefix of [queuePrefix, censusPrefix]) {
      await deleteRedisKeys(options.redisUrl, `${prefix}:`).catch((error: Error) =>
        log(`could not delete the ${prefix}:* keys: ${error.message}`),
      );
    }
  })();
  return cleaned;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

try {
  await main(options);
} catch (error) {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  for (const service of services) log(`last output of ${service.label}:\n${service.output().slice(-4000)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

async function main(options: BenchOptions): Promise<void> {
  const dbUrl = databaseUrl(options.postgresUrl, databaseName);
  log(`run ${runId}: database ${databaseName}, Redis prefix ${queuePrefix}, ${options.workers} worker(s), ${os.cpus().length} CPUs`);
  await migrateDatabase(dbUrl);
  receiver = await Receiver.start();
  const { env, metricsUrls, api: client } = await startServices(options, dbUrl);
  dbStats = await DbStats.connect(dbUrl, databaseName);
  const idleMemory = await scrapeAll(metricsUrls);

  const ctx: BenchContext = {
    options,
    runId,
    api: client,
    receiver,
    queues: queues as JobQueues,
    watched: [
      ...services.map((service) => ({ name: service.label, pid: service.pid })),
      { name: "receiver", pid: receiver.child.pid as number },
    ],
    dbStats,
    databaseUrl: dbUrl,
    metricsUrls,
    workerEnv: env,
    // The direct loops use as many requests in flight as the workers may have.
    deliveryConcurrency: Number(env.DELIVERY_CONCURRENCY ?? 50) * options.workers,
    log,
  };
  let ingest: IngestResult | undefined;
  if (options.scenarios.includes("ingest")) {
    const bare = await startBareExpress();
    const bareClient = new ApiClient(bare.url, admin, { timeoutMs: 60_000, pooledConnections: options.apiConcurrency });
    try {
      ctx.watched.push({ name: "bare-express", pid: bare.service.pid });
      ingest = await runIngestScenario(ctx, bareClient);
    } finally {
      ctx.watched.pop();
      await bareClient.close();
      await stopBareExpress(bare.service);
    }
  }
  const pipelines: PipelineResult[] = [];
  for (const scenario of PIPELINE_SCENARIOS) {
    if (options.scenarios.includes(scenario.name)) pipelines.push(await runPipelineScenario(ctx, scenario));
  }
  let wide: WideFanOutResult | undefined;
  if (options.scenarios.includes("wide")) wide = await runWideFanOutScenario(ctx);
  let backlog: BacklogResult | undefined;
  if (options.scenarios.includes("backlog") && options.backlog > 0) backlog = await runBacklogScenario(ctx);
  // Last: it leaves thousands of hanging calls behind (their jobs are removed at its end).
  let neighbour: NeighbourResult | undefined;
  if (options.scenarios.includes("neighbour")) {
    // It measures the product's protection, the ingestion limit included, which the scenarios
    // above have off (they measure the pipeline): the API starts again with the limit a
    // deployment has by default, or --env's.
    const limit = options.serviceEnv.EVENTS_PER_WORKSPACE_PER_SECOND ?? String(loadConfig({}).EVENTS_PER_WORKSPACE_PER_SECOND);
    if (env.EVENTS_PER_WORKSPACE_PER_SECOND !== limit) await restartApi(ctx, { ...env, EVENTS_PER_WORKSPACE_PER_SECOND: limit });
    neighbour = await runNeighbourScenario(ctx, limit);
  }

  const lifetimePeakRssMb: Record<string, number> = {};
  for (const service of services) lifetimePeakRssMb[service.label] = await lifetimePeakMb(service.pid);
  log("stopping the services");
  const measured = [...services];
  await Promise.all(measured.map((service) => stopProcess(service, STOP_GRACE_MS)));
  const profiles = options.profile ? await readProfiles(measured) : [];

  let census: CensusResult | undefined;
  if (options.census) {
    log("census: PostgreSQL round trips per step, through a counting proxy");
    census = await runCensus({
      env,
      databaseUrl: dbUrl,
      queuePrefix: censusPrefix,
      admin,
      receiver,
      runId,
      services,
    });
  }

  const checks = checkTargets(options, { ingest, pipelines, wide, backlog, neighbour, idleMemory, census });
  const durationSeconds = (Date.now() - started) / 1000;
  process.stdout.write(`\n${formatReport(options, { ingest, pipelines, wide, backlog, neighbour, idleMemory, census }, checks)}\n`);
  for (const profile of profiles) process.stdout.write(`\n${formatSummary(profile.summary, profile.role)}\n`);
  process.stdout.write(
    `\nprocess lifetime peak RSS (VmHWM): ${Object.entries(lifetimePeakRssMb)
      .map(([name, mb]) => `${name} ${Math.round(mb)} MB`)
      .join(", ")}\n`,
  );
  process.stdout.write(`run ${runId} took ${durationSeconds.toFixed(0)} s\n`);

  await writeResults({
    runId,
    startedAt: new Date(started).toISOString(),
    durationSeconds,
    code: codeVersion(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryMb: Math.round(os.totalmem() / 2 ** 20),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    options,
    serviceSettings: {
      deliveryConcurrencyPerWorker: Number(env.DELIVERY_CONCURRENCY ?? 50),
      workers: options.workers,
      logLevel: env.LOG_LEVEL,
      nodeEnv: env.NODE_ENV,
      extraEnv: options.serviceEnv,
      nodeOptions: options.nodeOptions,
    },
    idleMemory,
    ingest,
    scenarios: pipelines,
    wide,
    backlog,
    neighbour,
    lifetimePeakRssMb,
    census,
    targets: checks,
    profiles: profiles.map((profile) => ({ role: profile.role, ...profile.summary })),
  });
  log("figures written to bench/results/latest.json");
}

/** The API and the workers, on the bench's database and prefix; resolves once all are ready. */
async function startServices(
  options: BenchOptions,
  dbUrl: string,
): Promise<{ env: Record<string, string>; metricsUrls: Record<string, string>; api: ApiClient }> {
  const env: Record<string, string> = {
    NODE_ENV: "development",
    LOG_LEVEL: "warn",
    DATABASE_URL: dbUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: queuePrefix,
    ADMIN_EMAIL: admin.email,
    ADMIN_DEVELOPER_KEY: admin.key,
    ALLOW_PRIVATE_TARGETS: "true",
    // The bench measures how fast the pipeline can ingest, not the per-workspace policy above it
    // (its cost is one Redis script call per event, measured apart: docs/performance.md).
    EVENTS_PER_WORKSPACE_PER_SECOND: "0",
    ...(options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {}),
    ...options.serviceEnv,
  };
  const nodeArgs = options.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  if (options.profile) await mkdir(profileDir, { recursive: true });

  // Started side by side; each worker serves its own /metrics, read for its heap figures (a scrape at the end of a phase).
  const starting = [
    startApi(env, { nodeArgs }),
    ...Array.from({ length: options.workers }, (_, index) => startWorker(env, { label: `worker-${index + 1}`, nodeArgs })),
  ];
  const started = await Promise.allSettled(starting);
  for (const outcome of started) if (outcome.status === "fulfilled") services.push(outcome.value);
  const failed = started.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  const [apiProcess, ...workers] = (started as PromiseFulfilledResult<RunningApi | RunningWorker>[]).map((outcome) => outcome.value);
  const apiUrl = (apiProcess as RunningApi).url;
  const metricsUrls: Record<string, string> = { api: `${apiUrl}/metrics` };
  for (const worker of workers as RunningWorker[]) metricsUrls[worker.label] = worker.metricsUrl;

  queues = new JobQueues(createRedis(options.redisUrl, "worker"), { prefix: queuePrefix, deliveryMaxAttempts: 8 });
  log(`API on :${new URL(apiUrl).port} and ${options.workers} worker(s) ready`);
  api = new ApiClient(apiUrl, admin, { timeoutMs: 60_000, pooledConnections: options.apiConcurrency });
  return { env, metricsUrls, api };
}

/** The API stopped and started again with `env`, in the same place among the measured processes. */
async function restartApi(ctx: BenchContext, env: Record<string, string>): Promise<void> {
  const index = services.findIndex((service) => service.label === "api");
  log("restarting the API with EVENTS_PER_WORKSPACE_PER_SECOND=" + env.EVENTS_PER_WORKSPACE_PER_SECOND);
  await stopProcess(services[index] as ServiceProcess, STOP_GRACE_MS);
  const restarted = await startApi(env, { nodeArgs: options.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [] });
  services[index] = restarted;
  ctx.watched = ctx.watched.map((watched) => (watched.name === "api" ? { name: "api", pid: restarted.pid } : watched));
  ctx.metricsUrls.api = `${restarted.url}/metrics`;
  await api?.close();
  api = new ApiClient(restarted.url, admin, { timeoutMs: 60_000, pooledConnections: options.apiConcurrency });
  ctx.api = api;
}

async function writeResults(results: object): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  await writeFile(path.join(resultsDir, "latest.json"), json);
  await writeFile(path.join(resultsDir, `${new Date(started).toISOString().replace(/[:.]/g, "-")}.json`), json);
}

/** The commit measured, and how many files differed from it (other work in progress). */
function codeVersion(): { commit: string; changedFiles: number } | undefined {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const changed = execFileSync("git", ["status", "--porcelain"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean).length;
    return { commit, changedFiles: changed };
  } catch {
    return undefined;
  }
}

/**
 * The main thread's profile of each service's node process: V8 names them
 * CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main one (1 is tsx's loader thread).
 */
async function readProfiles(stopped: ServiceProcess[]): Promise<{ role: string; summary: ProfileSummary }[]> {
  const files = await readdir(profileDir).catch(() => [] as string[]);
  const found: { role: string; summary: ProfileSummary }[] = [];
  for (const service of stopped) {
    const file = files.find((name) => name.includes(`.${service.pid}.0.`) && name.endsWith(".cpuprofile"));
    if (file) found.push({ role: service.label, summary: await summarizeProfile(path.join(profileDir, file)) });
    else log(`no profile found for ${service.label} (pid ${service.pid})`);
  }
  return found;
}

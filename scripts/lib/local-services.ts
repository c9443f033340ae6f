// Running the real services out of process, for npm start, the tests, the soak, the benchmark and
// the demo: how an entry point is launched, ports, processes and their output, a private
// redis-server, databases and Redis keys of their own.
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Cluster, Redis } from "ioredis";
import pg from "pg";
import { waitFor, WaitTimeoutError } from "./wait-for.js";

/** The repository (or the image's /app): this file runs from scripts/lib and, built, from dist/scripts/lib. */
export const ROOT = projectRoot(path.dirname(fileURLToPath(import.meta.url)));

function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { workspaces?: unknown }).workspaces) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no workspace root above ${from}`);
  }
}

/** The local servers of a development machine (README: Prerequisites), the tools' defaults. */
export const LOCAL_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres";
export const LOCAL_REDIS_URL = "redis://127.0.0.1:6379";

const WORKER_ENTRY = "apps/worker/src/main.ts";
/**
 * The worker's live heap is about 50 MB, but an uncapped V8 lets it grow to ~400 MB before
 * collecting (docs/performance.md); the cap keeps RSS near 280 MB with no measured loss of
 * throughput. package.json's start:worker passes the same flag.
 */
const WORKER_NODE_FLAGS = ["--max-old-space-size=160"];
/**
 * The API's young generation capped at 1 MB per semi-space: an idle API otherwise holds ~30 MB of
 * new space it seldom needs (docs/performance.md, "Memory"). package.json's start:api, the
 * Dockerfile and docker-compose.yml pass the same flag.
 */
const API_NODE_FLAGS = ["--max-semi-space-size=1"];
const API_ENTRY = "apps/api/src/main.ts";
const NODE_FLAGS_OF_ENTRY: Record<string, string[]> = { [WORKER_ENTRY]: WORKER_NODE_FLAGS, [API_ENTRY]: API_NODE_FLAGS };

/**
 * The built JavaScript of the service's own entry points (`npm run build`): run as production runs
 * them, with no TypeScript loader. Everything else (the demo, the soak's helpers, the bench's
 * receiver) is a development tool and runs from source.
 */
const BUILT_ENTRIES: Record<string, string> = {
  [API_ENTRY]: "apps/api/dist/main.js",
  [WORKER_ENTRY]: "apps/worker/dist/main.js",
  "scripts/start.ts": "dist/scripts/start.js",
  "scripts/migrate.ts": "dist/scripts/migrate.js",
  "scripts/create-admin.ts": "dist/scripts/create-admin.js",
};

/** Node's flags for running TypeScript from source: workspace packages resolve to their src/ ("source" export condition). */
export const FROM_SOURCE_FLAGS = ["--conditions=source", "--import", "tsx"];

/**
 * The command line of an entry point (apps/<role>/src/main.ts, scripts/<command>.ts, relative to
 * the repository): the one place that says how the project's programs are run, so npm start, the
 * tests, the soak, the bench and the demo all run them as production does. `nodeArgs` go to node
 * itself (--cpu-prof is not allowed in NODE_OPTIONS), `programArgs` to the program.
 */
export function entryPointCommand(entry: string, nodeArgs: string[] = [], programArgs: string[] = []): { command: string; args: string[] } {
  const roleFlags = NODE_FLAGS_OF_ENTRY[entry] ?? [];
  const built = BUILT_ENTRIES[entry];
  if (built) {
    const file = path.join(ROOT, built);
    if (!existsSync(file)) throw new Error(`${built} is missing: run \`npm run build\` (npm install runs it)`);
    // No --enable-source-maps: it makes every Error's stack cost a source-map lookup, and bullmq
    // reads the stack of each failed job (a soak's latency went up tenfold). For a debugging
    // session: NODE_OPTIONS=--enable-source-maps (the .js.map files are built beside the code).
    return { command: process.execPath, args: [...roleFlags, ...nodeArgs, file, ...programArgs] };
  }
  // `node --import tsx`, not the tsx CLI: the CLI runs the program in a child process, so a
  // signal meant for the program would reach only the wrapper (and a SIGKILL would orphan it).
  return { command: process.execPath, args: [...roleFlags, ...nodeArgs, ...FROM_SOURCE_FLAGS, path.join(ROOT, entry), ...programArgs] };
}

/** `npm run dev`: an entry point from source, restarted by tsx whenever a file it imports changes. */
export function watchCommand(entry: string): { command: string; args: string[] } {
  const tsx = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
  return { command: process.execPath, args: [tsx, "watch", "--clear-screen=false", "--conditions=source", path.join(ROOT, entry)] };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServiceProcess {
  /** What the caller calls it in messages ("api", "worker-2"). */
  label: string;
  child: ChildProcess;
  /** The node process running the entry point: its memory and CPU are the service's. */
  pid: number;
  /** The end of what it printed (stdout and stderr), bounded whatever it prints. */
  output(): string;
  exited: Promise<number | null>;
  hasExited(): boolean;
}

export interface StartOptions {
  label?: string;
  nodeArgs?: string[];
  /** The program's own command-line arguments. */
  args?: string[];
  /** Every line it prints, as it comes (output() keeps only the end). */
  onLine?: (line: string) => void;
  /** An IPC channel to the child (process.send), for helpers that are steered by messages. */
  ipc?: boolean;
}

/** Output kept per process: enough to explain a failure. */
const OUTPUT_KEPT_CHARS = 256 * 1024;

/**
 * Starts an entry point as its own process with `env` (plus PATH and HOME, nothing else of ours:
 * a test's settings never leak in from the shell running it).
 */
export function startProcess(entry: string, env: Record<string, string | undefined>, options: StartOptions = {}): ServiceProcess {
  const { command, args } = entryPointCommand(entry, options.nodeArgs, options.args);
  const stdio: StdioOptions = ["ignore", "pipe", "pipe", ...(options.ipc ? ["ipc" as const] : [])];
  const child = spawn(command, args, { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME ?? "/tmp", ...env }, stdio });
  if (child.pid === undefined) throw new Error(`could not start ${entry}`);
  const output = keptOutput(options.onLine);
  child.stdout?.on("data", output.add);
  child.stderr?.on("data", output.add);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    label: options.label ?? entry,
    child,
    pid: child.pid,
    output: output.text,
    exited,
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
  };
}

function keptOutput(onLine?: (line: string) => void) {
  const kept: string[] = [];
  let size = 0;
  let partial = "";
  return {
    add: (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      kept.push(text);
      size += text.length;
      while (size > OUTPUT_KEPT_CHARS && kept.length > 1) size -= (kept.shift() as string).length;
      if (!onLine) return;
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    },
    text: () => kept.join("").slice(-OUTPUT_KEPT_CHARS),
  };
}

/** SIGTERM (the service finishes its in-flight work), then SIGKILL after `graceMs`. Resolves with its exit code. */
export async function stopProcess(service: ServiceProcess, graceMs = 10_000): Promise<number | null> {
  if (service.hasExited()) return service.child.exitCode;
  service.child.kill("SIGTERM");
  const timer = setTimeout(() => service.child.kill("SIGKILL"), graceMs);
  const code = await service.exited;
  clearTimeout(timer);
  return code;
}

export interface ReadyOptions {
  timeoutMs?: number;
  /** Stops waiting (Ctrl-C). */
  signal?: AbortSignal;
}

/** A service that exited or never answered while starting; the message ends with the last of its output. */
export class ServiceStartError extends Error {}

/** Waits until `url` answers 2xx; fails at once if the process exits first. */
export async function waitUntilAnswers(service: ServiceProcess, url: string, options: ReadyOptions = {}): Promise<void> {
  const failed = (reason: string) =>
    new ServiceStartError(`${service.label} ${reason}; the last of its output:\n${service.output().slice(-4000)}`);
  await waitFor(
    async () => {
      if (service.hasExited()) throw failed(`exited with ${service.child.exitCode ?? service.child.signalCode} before it was ready`);
      return answers(url);
    },
    { what: url, timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 100, onError: "fail", signal: options.signal },
  ).catch((error: Error) => {
    throw error instanceof WaitTimeoutError ? failed(`did not answer: ${error.message}`) : error;
  });
}

/**
 * Our services' /readyz answer, not merely a 2xx: between freePort() and the service's own bind,
 * another test's loopback receiver (which answers 200 to any path) can take the port, and a bare
 * status check would call the service ready while it exits with EADDRINUSE.
 */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!response.ok || !response.headers.get("content-type")?.includes("application/json")) {
      await response.body?.cancel();
      return false;
    }
    return ((await response.json()) as { status?: unknown }).status === "ready";
  } catch {
    return false;
  }
}

export type RunningApi = ServiceProcess & { url: string };
export type RunningWorker = ServiceProcess & { metricsUrl: string };

/** apps/api on `env.PORT` (a free port if unset); resolves once /readyz answers 200. */
export async function startApi(env: Record<string, string>, options: StartOptions & ReadyOptions = {}): Promise<RunningApi> {
  return onAFreePort(env.PORT, async (port) => {
    const url = `http://127.0.0.1:${port}`;
    const api = startProcess(API_ENTRY, { ...env, PORT: String(port) }, { label: "api", ...options });
    await readyOrStopped(api, `${url}/readyz`, options);
    return Object.assign(api, { url });
  });
}

/** apps/worker with a health and metrics port of its own; resolves once its /readyz answers 200 (its queues are consumed). */
export async function startWorker(env: Record<string, string>, options: StartOptions & ReadyOptions = {}): Promise<RunningWorker> {
  return onAFreePort(undefined, async (port) => {
    const base = `http://127.0.0.1:${port}`;
    const worker = startProcess(
      WORKER_ENTRY,
      { ...env, METRICS_PORT: String(port), METRICS_HOST: "127.0.0.1" },
      { label: "worker", ...options },
    );
    await readyOrStopped(worker, `${base}/readyz`, options);
    return Object.assign(worker, { metricsUrl: `${base}/metrics` });
  });
}

/**
 * Starts on the caller's port, or on a free one; a free port can be taken by another process
 * before the service binds it, so a service that exits with EADDRINUSE is started again on
 * another (a port the caller chose is never swapped).
 */
async function onAFreePort<T>(chosen: string | undefined, start: (port: number) => Promise<T>): Promise<T> {
  if (chosen !== undefined) return start(Number(chosen));
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= 3 || !(error instanceof ServiceStartError && /already in use/.test(error.message))) throw error;
    }
  }
}

/** A service that never became ready is stopped before the error goes up: nothing is left running. */
async function readyOrStopped(service: ServiceProcess, url: string, options: ReadyOptions): Promise<void> {
  try {
    await waitUntilAnswers(service, url, options);
  } catch (error) {
    await stopProcess(service, 2000);
    throw error;
  }
}

export interface PrivateRedis {
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of the caller's own on a spare port, so stopping it never touches the shared one. */
export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      // Already running: a second server would fail to bind and orphan the first one.
      if (child && child.exitCode === null && child.signalCode === null) return;
      child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
        stdio: "ignore",
      });
      await waitFor(() => canConnect(port), { what: `the private redis-server on ${port}`, timeoutMs: 5000 });
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child!.on("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
  await redis.start();
  return redis;
}

export interface PrivateRedisCluster {
  /** redis-cluster://127.0.0.1:p1,127.0.0.1:p2,… (REDIS_URL's cluster form). */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

/** A port whose cluster-bus twin (port + 10000) is free too. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (!(await canConnect(port)) && !(await canConnect(port + 10_000)) && (await canBind(port)) && (await canBind(port + 10_000)))
      return port;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A real Redis Cluster of `masters` local redis-server processes (no replicas) on spare ports,
 * created with `redis-cli --cluster create`, its files in a temporary directory; stop() kills the
 * servers and removes the directory.
 */
export async function privateRedisCluster(masters = 3): Promise<PrivateRedisCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), "mh-redis-cluster-"));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGKILL");
        return exited;
      }),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freeClusterPort();
      ports.push(port);
      const args = [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        `nodes-${port}.conf`,
      ];
      children.push(spawn("redis-server", [...args, "--dir", dir, "--save", "", "--appendonly", "no"], { stdio: "ignore" }));
      await waitFor(() => canConnect(port), { what: `cluster node redis-server on ${port}`, timeoutMs: 5000 });
    }
    await runToEnd("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((port) => `127.0.0.1:${port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    await waitFor(
      async () => {
        for (const port of ports) {
          const client = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1, lazyConnect: true });
          try {
            await client.connect();
            if (!String(await client.call("CLUSTER", "INFO")).includes("cluster_state:ok")) return false;
          } finally {
            client.disconnect();
          }
        }
        return true;
      },
      { what: "the Redis Cluster to agree on its slots", timeoutMs: 20_000, intervalMs: 200 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis-cluster://${ports.map((port) => `127.0.0.1:${port}`).join(",")}`, ports, stop };
}

function runToEnd(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${output}`)),
    );
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The URL of database `name` on the same server as `maintenanceUrl`. */
export function databaseUrl(maintenanceUrl: string, name: string): string {
  const url = new URL(maintenanceUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The same database reached through a loopback proxy (a counting tap, a cuttable link) on `port`. */
export function throughProxy(databaseUrl: string, port: number): string {
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return url.toString();
}

/** Creates (if needed) and migrates a database with the project's own scripts/migrate.ts. */
export async function migrateDatabase(url: string, timeoutMs = 120_000): Promise<void> {
  const migration = startProcess("scripts/migrate.ts", { DATABASE_URL: url, LOG_LEVEL: "warn" }, { label: "scripts/migrate.ts" });
  const timer = setTimeout(() => migration.child.kill("SIGKILL"), timeoutMs);
  const code = await migration.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`scripts/migrate.ts exited with ${code}:\n${migration.output()}`);
}

export async function dropDatabase(maintenanceUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Deletes every key under a prefix, leaving other Redis data alone (on each master of a cluster). */
export async function deleteRedisKeys(redis: Redis | Cluster | string, prefix: string): Promise<number> {
  const client = typeof redis === "string" ? new Redis(redis, { maxRetriesPerRequest: 1 }) : redis;
  let deleted = 0;
  try {
    for (const node of client instanceof Cluster ? client.nodes("master") : [client]) {
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        cursor = next;
        // One key per UNLINK (pipelined): on a cluster a multi-key command must stay within one slot.
        const pipeline = node.pipeline();
        for (const key of keys) pipeline.unlink(key);
        for (const [, count] of (await pipeline.exec()) ?? []) deleted += Number(count ?? 0);
      } while (cursor !== "0");
    }
  } finally {
    if (client !== redis) client.disconnect();
  }
  return deleted;
}

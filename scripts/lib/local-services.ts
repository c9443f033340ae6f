// Running the real services out of process, for the tests, the soak, the benchmark and the demo:
// ports, processes, a private redis-server, and databases of their own.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import pg from "pg";

export const ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts one of the real entry points (scripts/start.ts, apps/<role>/src/main.ts) as its own process. */
export function startProcess(entry: string, env: Record<string, string>): ServiceProcess {
  const chunks: string[] = [];
  // `node --import tsx`, not the tsx CLI: the CLI runs the program in a child process, so a
  // SIGKILL meant for the service would only kill the wrapper and orphan the service.
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => chunks.join(""), exited };
}

/** Stops a process: SIGTERM, then SIGKILL after `graceMs`. Resolves with its exit code. */
export async function stopProcess(service: ServiceProcess, graceMs = 10_000): Promise<number | null> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return service.child.exitCode;
  service.child.kill("SIGTERM");
  const timer = setTimeout(() => service.child.kill("SIGKILL"), graceMs);
  const code = await service.exited;
  clearTimeout(timer);
  return code;
}

export interface PrivateRedis {
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of the test's own on a spare port, so stopping it never touches the shared one. */
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
      for (let tries = 0; tries < 100; tries++) {
        if (await canConnect(port)) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`private redis-server did not start on ${port}`);
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

/** Creates (if needed) and migrates a database with the project's own scripts/migrate.ts. */
export async function migrateDatabase(url: string, timeoutMs = 120_000): Promise<void> {
  const migration = startProcess("scripts/migrate.ts", { DATABASE_URL: url, LOG_LEVEL: "warn" });
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

/** Deletes every key under a prefix, leaving other Redis data alone. */
export async function deleteRedisKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== "0");
  return deleted;
}

// The real processes under test (API, workers), their database and Redis keys, started and
// cleaned up the way test/support does it, on a database and key prefix of the bench's own.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import pg from "pg";

export const ROOT = path.resolve(fileURLToPath(new URL("..", import.meta.url)));

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Database URL of `name` on the same server as the maintenance URL. */
export function databaseUrl(maintenanceUrl: string, name: string): string {
  const url = new URL(maintenanceUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates and migrates the database with the project's own `scripts/migrate.ts`. */
export async function migrateDatabase(url: string): Promise<void> {
  await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/migrate.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", DATABASE_URL: url, LOG_LEVEL: "warn" },
    timeout: 120_000,
  });
}

export async function dropDatabase(maintenanceUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Deletes every key under the bench's prefix, leaving other Redis data alone. */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let cursor = "0";
  let deleted = 0;
  try {
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export interface Service {
  role: string;
  child: ChildProcess;
  /** The node process running the entry point: its memory and CPU are the service's. */
  pid: number;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts apps/<role>/src/main.ts as `npm start` and the e2e tests do: `node --import tsx`, one
 * process per service. `nodeArgs` go to node (--cpu-prof is not allowed in NODE_OPTIONS).
 */
export async function startService(role: "api" | "worker", env: Record<string, string>, label: string = role, nodeArgs: string[] = []): Promise<Service> {
  const chunks: string[] = [];
  let kept = 0;
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", path.join(ROOT, `apps/${role}/src/main.ts`)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    // Only the last ~64 KiB: enough to explain a failure, bounded whatever the process prints.
    chunks.push(chunk.toString("utf8"));
    kept += chunk.length;
    while (kept > 65_536 && chunks.length > 1) kept -= (chunks.shift() as string).length;
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  if (child.pid === undefined) throw new Error(`could not start ${label}`);
  return { role: label, child, pid: child.pid, output: () => chunks.join(""), exited };
}

/** SIGTERM (the service finishes its in-flight work), then SIGKILL after `graceMs`. */
export async function stopService(service: Service, graceMs = 20_000): Promise<number | null> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  const code = await service.exited;
  clearTimeout(timer);
  return code;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `intervalMs` until it returns true; false when `timeoutMs` ran out. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(intervalMs);
  }
  return check();
}

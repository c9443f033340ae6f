// The real processes under test (API, workers), their database and Redis keys, started and
// cleaned up with scripts/lib/local-services, on a database and key prefix of the bench's own.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { Redis } from "ioredis";
import { deleteRedisKeys, ROOT } from "../scripts/lib/local-services.js";

/** Removes the bench's keys (`<prefix>:*`), leaving other Redis data alone. */
export async function deleteBenchKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    return await deleteRedisKeys(redis, `${prefix}:`);
  } finally {
    redis.disconnect();
  }
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
export async function startService(
  role: "api" | "worker",
  env: Record<string, string>,
  label: string = role,
  nodeArgs: string[] = [],
): Promise<Service> {
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

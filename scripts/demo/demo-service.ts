// The service the demo talks to: probes it, or starts one (scripts/start.ts: migrations, API,
// worker) when nothing answers, and stops what it started.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitUntil } from "./wait-until.js";

const OUTPUT_LINES_KEPT = 200;
const STOP_GRACE_MS = 20_000;

export interface DemoService {
  baseUrl: string;
  /** Set when the demo started the service itself. */
  started?: { port: number; output(): string; hasExited(): boolean; stop(): Promise<number | null> };
}

type Probe = { state: "ready" } | { state: "absent"; reason: string } | { state: "unready"; status: number; body: string };

export async function probe(baseUrl: string): Promise<Probe> {
  try {
    const response = await fetch(new URL("/readyz", baseUrl), { signal: AbortSignal.timeout(2000) });
    if (response.ok) return { state: "ready" };
    return { state: "unready", status: response.status, body: (await response.text()).slice(0, 300) };
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return { state: "absent", reason: cause };
  }
}

/**
 * Starts `npm start`'s entry point on `port` with the caller's environment plus `env`. Its output
 * is kept, not shown, so the demo can print the end of it when something fails.
 */
export function launchService(port: number, env: Record<string, string>): DemoService {
  const entry = fileURLToPath(new URL("../start.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - OUTPUT_LINES_KEPT));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    started: {
      port,
      output: () => lines.join("\n"),
      hasExited: () => child.exitCode !== null || child.signalCode !== null,
      stop: () => stop(child, exited),
    },
  };
}

/** Waits (bounded) until a launched service answers /readyz with 200; fails at once if it exits. */
export async function waitUntilReady(service: DemoService, timeoutMs: number): Promise<void> {
  await waitUntil(
    async () => {
      if (service.started?.hasExited()) throw new Error("the service exited before it was ready");
      return (await probe(service.baseUrl)).state === "ready" ? true : undefined;
    },
    { what: `${service.baseUrl}/readyz`, timeoutMs, intervalMs: 250 },
  );
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

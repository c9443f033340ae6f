// The service the demo talks to: probes it, or starts one (scripts/start.ts: migrations, API,
// worker) when nothing answers, and stops what it started.
import { startProcess, stopProcess, waitUntilAnswers, type ServiceProcess } from "../lib/local-services.js";

const STOP_GRACE_MS = 20_000;

export interface DemoService {
  baseUrl: string;
  /** Set when the demo started the service itself. */
  started?: { port: number; process: ServiceProcess };
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
  const started = startProcess("scripts/start.ts", { ...process.env, ...env, PORT: String(port) }, { label: "the service" });
  return { baseUrl: `http://127.0.0.1:${port}`, started: { port, process: started } };
}

/** Waits (bounded) until a launched service answers /readyz with 200; fails at once if it exits. */
export async function waitUntilReady(service: DemoService, timeoutMs: number): Promise<void> {
  if (service.started) await waitUntilAnswers(service.started.process, `${service.baseUrl}/readyz`, { timeoutMs });
}

export function stopStartedService(service: DemoService): Promise<number | null> {
  return service.started ? stopProcess(service.started.process, STOP_GRACE_MS) : Promise.resolve(null);
}

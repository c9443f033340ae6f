// The real processes under soak — API and worker, each `node --import tsx apps/<role>/src/main.ts`
// so that a SIGKILL reaches the service itself — on a database and a redis-server of the soak's own.
import { freePort, startProcess, stopProcess, type ServiceProcess } from "../lib/local-services.js";

export interface SoakEnv {
  databaseUrl: string;
  redisUrl: string;
  admin: { email: string; key: string };
}

/** Fast retries and recovery, so a two-minute run sees every path many times (README: configuration). */
function serviceEnv(env: SoakEnv, extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: "development",
    LOG_LEVEL: "warn",
    LOG_FORMAT: "json",
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: "mhsoak",
    ADMIN_EMAIL: env.admin.email,
    ADMIN_DEVELOPER_KEY: env.admin.key,
    ALLOW_PRIVATE_TARGETS: "true",
    DELIVERY_TIMEOUT_MS: "2000",
    DELIVERY_MAX_ATTEMPTS: "5",
    DELIVERY_BACKOFF_BASE_MS: "200",
    DELIVERY_BACKOFF_MAX_MS: "2000",
    // 5 of 20 slots at most for any one webhook: the hanging one cannot take the others' slots.
    DELIVERY_CONCURRENCY: "20",
    DELIVERY_MAX_IN_FLIGHT_PER_WEBHOOK: "5",
    OUTBOX_RELAY_INTERVAL_MS: "500",
    OUTBOX_RELAY_GRACE_MS: "2000",
    WORKER_LOCK_DURATION_MS: "3000",
    WORKER_STALLED_INTERVAL_MS: "1000",
    SHUTDOWN_TIMEOUT_MS: "5000",
    // Never auto-disable during a soak: the always-failing webhook must keep receiving its calls.
    WEBHOOK_DISABLE_MIN_FAILURES: "1000000000",
    WORKER_METRICS_PORT: "0",
    ...extra,
  };
}

async function poll(check: () => Promise<boolean>, timeoutMs: number, what: string, aborted: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !aborted()) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function answers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await response.body?.cancel();
  return response.ok;
}

export interface Started {
  process: ServiceProcess;
  /** Milliseconds from spawn to ready. */
  startMs: number;
}

export class SoakServices {
  api?: ServiceProcess;
  apiUrl = "";
  worker?: ServiceProcess;
  /** Every worker started, killed ones included (their output helps when something fails). */
  readonly workers: ServiceProcess[] = [];
  private aborted = false;

  constructor(private readonly env: SoakEnv) {}

  async startApi(): Promise<Started> {
    const started = Date.now();
    const port = await freePort();
    this.api = startProcess("apps/api/src/main.ts", serviceEnv(this.env, { PORT: String(port) }));
    this.apiUrl = `http://127.0.0.1:${port}`;
    const api = this.api;
    await poll(
      async () => api.child.exitCode === null && (await answers(`${this.apiUrl}/readyz`)),
      60_000,
      `the API's /readyz\n${api.output()}`,
      () => this.aborted || api.child.exitCode !== null,
    );
    return { process: api, startMs: Date.now() - started };
  }

  /** Starts a worker and waits until its queues are consumed (its metrics server answers, which it opens after). */
  async startWorker(): Promise<Started> {
    const started = Date.now();
    const port = await freePort();
    const worker = startProcess("apps/worker/src/main.ts", serviceEnv(this.env, { WORKER_METRICS_PORT: String(port) }));
    this.worker = worker;
    this.workers.push(worker);
    await poll(
      () => answers(`http://127.0.0.1:${port}/metrics`),
      60_000,
      `the worker to start\n${worker.output()}`,
      () => this.aborted || worker.child.exitCode !== null,
    );
    if (worker.child.exitCode !== null) throw new Error(`the worker exited with ${worker.child.exitCode}:\n${worker.output()}`);
    return { process: worker, startMs: Date.now() - started };
  }

  /** SIGKILL: no shutdown handler runs, in-flight deliveries are cut off mid-way. */
  async killWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    worker.child.kill("SIGKILL");
    await worker.exited;
  }

  /** Lines the services logged at level error (their logs are JSON), for the report. */
  unexpectedLogLines(): string[] {
    const outputs = [this.api, ...this.workers].flatMap((service) => (service ? service.output().split("\n") : []));
    return outputs.filter((line) => line.includes('"level":"error"'));
  }

  async stopAll(): Promise<void> {
    this.aborted = true;
    const running = [this.api, ...this.workers].filter((service): service is ServiceProcess => service !== undefined);
    await Promise.all(running.map((service) => stopProcess(service, 10_000)));
  }
}

// The real processes under soak, API and worker, started with scripts/lib/local-services on a
// database and a redis-server of the soak's own.
import { startApi, startWorker, stopProcess, type RunningApi, type RunningWorker, type ServiceProcess } from "../lib/local-services.js";

export interface SoakEnv {
  databaseUrl: string;
  redisUrl: string;
  admin: { email: string; key: string };
}

/** Fast retries and recovery, so a two-minute run sees every path many times (README: configuration). */
function serviceEnv(env: SoakEnv): Record<string, string> {
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
    // Retention (30 days) every 2 s in small batches: a no-op on the live load, which is never that
    // old; with --old-history it deletes the seeded history while the load and the chaos go on.
    RETENTION_INTERVAL_MS: "2000",
    RETENTION_BATCH_SIZE: "200",
    // Never auto-disable during a soak: the always-failing webhook must keep receiving its calls.
    WEBHOOK_DISABLE_MIN_FAILURES: "1000000000",
  };
}

export interface Started {
  /** Milliseconds from spawn to ready. */
  startMs: number;
}

/** How many lines the services logged at level error (their logs are JSON), and the last few, for the report. */
class ErrorLines {
  count = 0;
  readonly last: string[] = [];

  readonly note = (line: string) => {
    if (!line.includes('"level":"error"')) return;
    this.count += 1;
    this.last.push(line);
    if (this.last.length > 10) this.last.shift();
  };
}

export class SoakServices {
  api?: RunningApi;
  worker?: RunningWorker;
  /** Every worker started, killed ones included. */
  private readonly workers: ServiceProcess[] = [];
  private readonly stopping = new AbortController();
  readonly errors = new ErrorLines();

  constructor(private readonly env: SoakEnv) {}

  get apiUrl(): string {
    return this.api?.url ?? "";
  }

  async startApi(): Promise<Started> {
    const started = Date.now();
    this.api = await startApi(serviceEnv(this.env), { onLine: this.errors.note, signal: this.stopping.signal });
    return { startMs: Date.now() - started };
  }

  /** Starts a worker and waits until its queues are consumed. */
  async startWorker(): Promise<Started> {
    const started = Date.now();
    this.worker = await startWorker(serviceEnv(this.env), { onLine: this.errors.note, signal: this.stopping.signal });
    this.workers.push(this.worker);
    return { startMs: Date.now() - started };
  }

  /** SIGKILL: no shutdown handler runs, in-flight deliveries are cut off mid-way. */
  async killWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    worker.child.kill("SIGKILL");
    await worker.exited;
  }

  async stopAll(): Promise<void> {
    this.stopping.abort();
    const running = [this.api, ...this.workers].filter((service): service is ServiceProcess => service !== undefined);
    await Promise.all(running.map((service) => stopProcess(service, 10_000)));
  }
}

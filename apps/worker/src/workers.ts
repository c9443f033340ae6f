import { Worker, type Job, type WorkerOptions } from "bullmq";
import { queueCatalog, type JobInput, type QueueKey } from "@modelhooks/queues";
import { createBuildsProcessor } from "./processors/builds.js";
import { createDeadlinesProcessor } from "./processors/deadlines.js";
import { createRecoveriesProcessor } from "./processors/recoveries.js";
import { createDeliveriesProcessor, webhookBackoff } from "./processors/deliveries.js";
import { createEventsProcessor } from "./processors/events.js";
import { createMaintenanceProcessor, OUTBOX_RELAY_SCHEDULER, runOutboxRelay } from "./processors/maintenance.js";
import { createRetentionProcessor, RETENTION_SCHEDULER } from "./processors/retention.js";
import type { WorkerDeps } from "./worker-deps.js";

// One processor per queue of the catalog: a queue without one does not compile.
type Processors = { [K in QueueKey]: (job: Job<JobInput<K>>) => Promise<unknown> };

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs and waits for the active ones up to `deadlineMs`; what is left is retried by another worker. */
  close(deadlineMs: number): Promise<void>;
}

export async function startWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  const { config } = deps;
  const relayCursor = { afterId: 0 };
  const processors: Processors = {
    events: createEventsProcessor(deps),
    deliveries: createDeliveriesProcessor(deps),
    builds: createBuildsProcessor(deps),
    deadlines: createDeadlinesProcessor(deps),
    recoveries: createRecoveriesProcessor(deps),
    maintenance: createMaintenanceProcessor(deps, relayCursor),
    retention: createRetentionProcessor(deps),
  };
  const concurrency: Record<QueueKey, number> = {
    events: config.FANOUT_CONCURRENCY,
    deliveries: config.DELIVERY_CONCURRENCY,
    builds: config.BUILD_CONCURRENCY,
    deadlines: 2,
    recoveries: 1,
    maintenance: 1,
    retention: 1,
  };
  const common: Omit<WorkerOptions, "concurrency"> = {
    connection: deps.redis,
    prefix: config.QUEUE_PREFIX,
    lockDuration: config.WORKER_LOCK_DURATION_MS,
    stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
    // A job whose worker died is retried, however often that happens; it is never dropped.
    maxStalledCount: 1000,
    settings: { backoffStrategy: webhookBackoff(deps) },
  };
  const workers = (Object.keys(processors) as QueueKey[]).map((key) => {
    const worker = new Worker(queueCatalog[key].name, processors[key] as (job: Job) => Promise<unknown>, {
      ...common,
      concurrency: concurrency[key],
    });
    worker.on("failed", (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1))
        deps.logger.warn("job failed for good", { queue: key, jobId: job.id, error: error.message });
    });
    // Mostly Redis connections dropping and coming back, which the worker survives on its own.
    worker.on("error", (error) => deps.logger.warn("worker error", { queue: key, error: error.message }));
    return worker;
  });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  // One scheduler per id in Redis, whichever worker writes it: each runs once per interval,
  // however many workers run. RETENTION_DAYS=0 removes the retention schedule.
  const scheduleRelay = async () => {
    await deps.queues.schedule("maintenance", OUTBOX_RELAY_SCHEDULER, config.OUTBOX_RELAY_INTERVAL_MS, { task: "outbox-relay" });
    if (config.RETENTION_DAYS > 0) await deps.queues.schedule("retention", RETENTION_SCHEDULER, config.RETENTION_INTERVAL_MS, {});
    else await deps.queues.unschedule("retention", RETENTION_SCHEDULER);
  };
  await scheduleRelay();
  // A Redis restarted without persistence forgets the schedule with everything else: put it back.
  const onReconnect = () =>
    void scheduleRelay().catch((error: Error) => deps.logger.warn("could not re-create the relay schedule", { error: error.message }));
  deps.redis.on("ready", onReconnect);
  // Catch up at once on what piled up while no worker ran.
  void runOutboxRelay(deps, relayCursor).catch((error: Error) => deps.logger.warn("start-up relay failed", { error: error.message }));

  return {
    workers,
    async close(deadlineMs: number) {
      deps.redis.off("ready", onReconnect);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), deadlineMs);
      });
      const graceful = Promise.all(workers.map((worker) => worker.close())).then(() => "closed" as const);
      const outcome = await Promise.race([graceful, deadline]);
      clearTimeout(timer);
      // bullmq ignores close(true) once a graceful close is under way, so past the deadline we
      // just leave: the unfinished jobs' locks expire and another worker runs them again.
      if (outcome === "timeout") deps.logger.warn("shutdown deadline reached; unfinished jobs will be retried by another worker");
    },
  };
}

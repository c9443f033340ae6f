import type { Job } from "bullmq";
import { retentionJobSchema, type JobInput } from "@modelhooks/queues";
import { enforceRetention } from "@modelhooks/webhooks";
import type { WorkerDeps } from "../worker-deps.js";

export const RETENTION_SCHEDULER = "retention";

/**
 * One scheduled run (docs/reliability.md, "Retention"). It starts no batch after one interval, so
 * a backlog (the first run on a large table) is worked off run by run, not by two runs at once.
 */
export function createRetentionProcessor(deps: WorkerDeps) {
  return async (job: Job<JobInput<"retention">>) => {
    retentionJobSchema.parse(job.data);
    const { config } = deps;
    // Off on this worker (another replica may still have the schedule): delete nothing.
    if (config.RETENTION_DAYS === 0) return { skipped: "RETENTION_DAYS=0" };
    const figures = await enforceRetention(deps.db, {
      retentionDays: config.RETENTION_DAYS,
      batchSize: config.RETENTION_BATCH_SIZE,
      deadline: Date.now() + config.RETENTION_INTERVAL_MS,
    });
    const deleted = figures.events + figures.recoveries + figures.notifications;
    deps.logger.log(deleted > 0 || !figures.complete ? "info" : "debug", "retention run", {
      ...figures,
      cutoff: figures.cutoff.toISOString(),
      longestBatchMs: Math.round(figures.longestBatchMs),
    });
    return { ...figures, cutoff: figures.cutoff.toISOString() };
  };
}

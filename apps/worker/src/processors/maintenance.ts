import type { Job } from "bullmq";
import { relayOutbox } from "@modelhooks/events";
import { maintenanceJobSchema, type JobInput } from "@modelhooks/queues";
import { recoverStalledBuilds } from "@modelhooks/registry";
import { eraseExpiredSecrets, recoverOverdueCalls, resumeRecoveries } from "@modelhooks/webhooks";
import type { WorkerDeps } from "../worker-deps.js";

/** Where this process's sweep of overdue calls goes on from (in memory: a restart starts over). */
export interface RelayCursor {
  afterId: number;
}

export function createMaintenanceProcessor(deps: WorkerDeps, cursor: RelayCursor) {
  return async (job: Job<JobInput<"maintenance">>) => {
    const { task } = maintenanceJobSchema.parse(job.data);
    switch (task) {
      case "outbox-relay":
        return runOutboxRelay(deps, cursor);
    }
  };
}

export async function runOutboxRelay(deps: WorkerDeps, cursor: RelayCursor) {
  const grace = deps.config.OUTBOX_RELAY_GRACE_MS;
  const events = await relayOutbox(deps, grace);
  const calls = await recoverOverdueCalls(deps.db, deps.queues, deps.logger, grace, cursor);
  const builds = await recoverStalledBuilds(deps, grace + deps.config.BUILD_DURATION_MS);
  const recoveries = await resumeRecoveries(deps, grace);
  // Rotated-out secrets stop signing when their overlap ends (the queries say so); here they leave the database.
  // Only how many rows went: the job's return value and the log line carry a count, never a secret.
  const endedOverlaps = await eraseExpiredSecrets(deps.db);
  if (endedOverlaps > 0) deps.logger.info("rotation overlaps ended; their old secrets were erased", { endedOverlaps });
  return { events, calls, builds, recoveries, endedOverlaps };
}

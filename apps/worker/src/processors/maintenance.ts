import type { Job } from "bullmq";
import { relayOutbox } from "@modelhooks/events";
import { maintenanceJobSchema, type JobInput } from "@modelhooks/queues";
import { recoverStalledBuilds } from "@modelhooks/registry";
import { recoverOverdueCalls } from "@modelhooks/webhooks";
import type { WorkerDeps } from "../worker-deps.js";

export const OUTBOX_RELAY_SCHEDULER = "outbox-relay";

export function createMaintenanceProcessor(deps: WorkerDeps) {
  return async (job: Job<JobInput<"maintenance">>) => {
    const { task } = maintenanceJobSchema.parse(job.data);
    switch (task) {
      case "outbox-relay":
        return runOutboxRelay(deps);
    }
  };
}

export async function runOutboxRelay(deps: WorkerDeps) {
  const grace = deps.config.OUTBOX_RELAY_GRACE_MS;
  const events = await relayOutbox(deps, grace);
  const calls = await recoverOverdueCalls(deps.db, deps.queues, deps.logger, grace);
  const builds = await recoverStalledBuilds(deps, grace + deps.config.BUILD_DURATION_MS);
  return { events, calls, builds };
}

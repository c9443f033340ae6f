import type { Job } from "bullmq";
import { recoveryJobSchema, type JobInput } from "@modelhooks/queues";
import { runRecovery } from "@modelhooks/webhooks";
import type { WorkerDeps } from "../worker-deps.js";

/** recoverWebhookCalls' work: new calls for a webhook's failed ones, batch by batch. */
export function createRecoveriesProcessor(deps: WorkerDeps) {
  return async (job: Job<JobInput<"recoveries">>) => runRecovery(deps, recoveryJobSchema.parse(job.data).recoveryId);
}

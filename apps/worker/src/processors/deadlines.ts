import { DelayedError, type Job } from "bullmq";
import type { Config } from "@modelhooks/config";
import { deadlineJobSchema, type JobInput } from "@modelhooks/queues";
import { checkDeadline, type DeadlineSettings } from "@modelhooks/registry";
import type { WorkerDeps } from "../worker-deps.js";

export const deadlineSettings = (config: Config): DeadlineSettings => ({
  promotionCallbackTimeoutMs: config.PROMOTION_CALLBACK_TIMEOUT_MS,
  scanResultTimeoutMs: config.SCAN_RESULT_TIMEOUT_MS,
});

/** A promotion's call-back deadline or a scan's result deadline: end it, or wait on until it is due. */
export function createDeadlinesProcessor(deps: WorkerDeps) {
  const settings = deadlineSettings(deps.config);
  return async (job: Job<JobInput<"deadlines">>, token?: string) => {
    const { checkAgainAt } = await checkDeadline(deps, deadlineJobSchema.parse(job.data), settings);
    if (!checkAgainAt) return "done";
    // Not due yet (the deadline counts from the delivery, which came later): the same job waits on.
    await job.moveToDelayed(checkAgainAt.getTime(), token);
    throw new DelayedError();
  };
}

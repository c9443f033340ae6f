import { UnrecoverableError, type Job } from "bullmq";
import { buildJobSchema, type JobInput } from "@modelhooks/queues";
import { runBuild } from "@modelhooks/registry";
import type { WorkerDeps } from "../worker-deps.js";

/** The delayed "build then notify" step: build the image, then (if asked) emit REQUEST_SCAN. */
export function createBuildsProcessor(deps: WorkerDeps) {
  return async (job: Job<JobInput<"builds">>) => {
    const parsed = buildJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError("invalid builds job");
    return runBuild(deps, deps.builder, parsed.data.buildId);
  };
}

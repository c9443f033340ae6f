import { UnrecoverableError, type Job } from "bullmq";
import { recordEvent } from "@modelhooks/events";
import { fanOutJobSchema, type JobInput } from "@modelhooks/queues";
import { fanOutEvent } from "@modelhooks/webhooks";
import type { WorkerDeps } from "../worker-deps.js";

/** Fan-out: record a published event if it came straight from Redis, then one call per matching webhook. */
export function createEventsProcessor(deps: WorkerDeps) {
  return async (job: Job<JobInput<"events">>) => {
    const parsed = fanOutJobSchema.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(
        `invalid events job: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
      );
    const data = parsed.data;
    let eventUuid: string;
    if ("event" in data) {
      eventUuid = data.event.event_uuid;
      const workspace = await deps.db.workspace.findUnique({ where: { id: data.event.workspace_id }, select: { id: true } });
      if (!workspace) throw new UnrecoverableError(`published event ${eventUuid}: workspace ${data.event.workspace_id} does not exist`);
      const { created } = await recordEvent(deps.db, data.event);
      if (created) deps.metrics.eventsEmitted.inc({ event_type: data.event.event_type, source: "published" });
    } else {
      eventUuid = data.eventUuid;
    }
    const result = await fanOutEvent(deps.db, deps.queues, eventUuid);
    deps.logger.debug("fanned out", { eventUuid, ...result });
    return result;
  };
}

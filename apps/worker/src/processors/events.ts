import { UnrecoverableError, type Job } from "bullmq";
import type { ParsedEvent } from "@modelhooks/contracts";
import { recordEvent } from "@modelhooks/events";
import { fanOutJobSchema, type JobInput } from "@modelhooks/queues";
import { fanOutEvent, type FanOutProgress } from "@modelhooks/webhooks";
import { scheduleDeadline } from "@modelhooks/registry";
import { deadlineSettings } from "./deadlines.js";
import type { WorkerDeps } from "../worker-deps.js";

/** Fan-out: record a published event if it came straight from Redis, then one call per matching webhook. */
export function createEventsProcessor(deps: WorkerDeps) {
  return async (job: Job<JobInput<"events">>) => {
    const parsed = fanOutJobSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(
        `invalid events job: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
      );
    }
    const data = parsed.data;
    const eventId = "event" in data ? await recordPublished(deps, data.event) : data.eventId;
    const result = await fanOutEvent(deps.db, deps.queues, eventId, {
      pageSize: deps.config.FANOUT_PAGE_SIZE,
      resumeFrom: recordedProgress(job.progress),
      // A run that dies between pages resumes after the last page it finished (one Redis write per page).
      onPage: (progress) => job.updateProgress(progress),
      fairShare: deps.fairShare,
      delayForNew: (webhookId, workspaceId) => deps.deliverySlots.delayForNew(webhookId, workspaceId),
    });
    await scheduleDeadline(deps.queues, { eventId, eventType: result.eventType }, deadlineSettings(deps.config));
    deps.logger.debug("fanned out", { eventId, ...result });
    return result;
  };
}

/** The progress an earlier run of this job recorded, if any (bullmq keeps it on the job across retries). */
function recordedProgress(progress: unknown): FanOutProgress | undefined {
  if (typeof progress !== "object" || progress === null) return undefined;
  const { afterWebhookId, matched, enqueued } = progress as Partial<FanOutProgress>;
  return [afterWebhookId, matched, enqueued].every((value) => Number.isInteger(value))
    ? { afterWebhookId: afterWebhookId!, matched: matched!, enqueued: enqueued! }
    : undefined;
}

/** The outbox row of a published event: recorded now, or by an earlier run of this job that died before fanning out. */
async function recordPublished(deps: WorkerDeps, event: ParsedEvent): Promise<number> {
  const workspace = await deps.db.workspace.findUnique({ where: { id: event.workspace_id }, select: { id: true } });
  if (!workspace) throw new UnrecoverableError(`published event ${event.event_uuid}: workspace ${event.workspace_id} does not exist`);
  const recorded = await recordEvent(deps.db, event);
  if (recorded.created) {
    deps.metrics.eventsEmitted.inc({ event_type: event.event_type, source: "published" });
    return recorded.id;
  }
  const existing = await deps.db.event.findUniqueOrThrow({
    where: { workspaceId_uuid: { workspaceId: event.workspace_id, uuid: event.event_uuid } },
    select: { id: true },
  });
  return existing.id;
}

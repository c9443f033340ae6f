import { notFound, pageOfQuery, type FindWebhookCallInput } from "@modelhooks/contracts";
import { newestFirstPage, oneOf, recordedWithin, type Db, type Prisma } from "@modelhooks/db";
import { canSeeWorkspace, visibleWorkspaces, type Principal } from "@modelhooks/identity";
import type { Logger } from "@modelhooks/observability";
import type { JobQueues } from "@modelhooks/queues";
import { deliveryJob } from "./delivery-job.js";
import type { CallWithAttempts } from "./webhook-call-view.js";

/** The call log the caller can see, newest first, one page of it, with the total. */
export async function findWebhookCalls(
  db: Db,
  principal: Principal,
  filter: FindWebhookCallInput,
): Promise<{ calls: CallWithAttempts[]; total: number }> {
  const visible = visibleWorkspaces(principal);
  const where: Prisma.WebhookCallWhereInput = {
    webhook: visible ? { workspaceId: { in: visible } } : undefined,
    id: oneOf(filter.ids),
    webhookId: oneOf(filter.webhook_ids),
    status: oneOf(filter.status),
    event:
      filter.event_uuids.length || filter.event_types.length
        ? { uuid: oneOf(filter.event_uuids), eventType: oneOf(filter.event_types) }
        : undefined,
    createdAt: recordedWithin(filter.since, filter.until),
  };
  const [calls, total] = await Promise.all([
    db.webhookCall.findMany({
      where,
      ...newestFirstPage(pageOfQuery(filter)),
      include: {
        event: { select: { uuid: true, eventType: true } },
        // Without include_attempts only the latest attempt is needed, for `response`.
        attemptLog: filter.include_attempts ? true : { orderBy: { attemptNumber: "desc" }, take: 1 },
      },
    }),
    db.webhookCall.count({ where }),
  ]);
  return { calls, total };
}

export interface RetriggerDeps {
  db: Db;
  queues: JobQueues;
  logger: Logger;
}

/** The same event to the same webhook again, as a new call pointing at the one it repeats. */
export async function retriggerWebhookCall(deps: RetriggerDeps, principal: Principal, callId: number): Promise<CallWithAttempts> {
  const original = await deps.db.webhookCall.findUnique({
    where: { id: callId },
    include: { webhook: { select: { workspaceId: true, name: true } }, event: { select: { eventType: true } } },
  });
  if (!original || !canSeeWorkspace(principal, original.webhook.workspaceId)) throw notFound(`webhook call ${callId}`);
  const call = await deps.db.webhookCall.create({
    data: { eventId: original.eventId, webhookId: original.webhookId, retriggerOfId: original.id },
    include: { event: { select: { uuid: true, eventType: true } }, attemptLog: true },
  });
  const job = deliveryJob({
    callId: call.id,
    webhookId: call.webhookId,
    workspaceId: original.webhook.workspaceId,
    webhookName: original.webhook.name,
    eventType: original.event.eventType,
  });
  try {
    await deps.queues.add("deliveries", job.name, job.data, job.opts);
  } catch (error) {
    // The call is recorded; the relay's overdue-call sweep enqueues it once Redis is back.
    deps.logger.warn("retriggered call recorded but not enqueued", { callId: call.id, error: (error as Error).message });
  }
  return call;
}

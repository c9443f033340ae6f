import { UnrecoverableError } from "bullmq";
import type { Db } from "@modelhooks/db";
import { jobIds, type JobQueues } from "@modelhooks/queues";
import { matchingWebhooksWhere } from "./matching.js";

export interface FanOutResult {
  matched: number;
  enqueued: number;
}

/**
 * Creates one call per matching webhook (idempotent: the partial unique index on event × webhook
 * makes a re-run create nothing) and one delivery job per call not yet final. Safe to re-run.
 */
export async function fanOutEvent(db: Db, queues: JobQueues, eventUuid: string): Promise<FanOutResult> {
  const event = await db.event.findUnique({ where: { uuid: eventUuid } });
  if (!event) throw new UnrecoverableError(`event ${eventUuid} is not recorded`);
  const webhooks = await db.webhook.findMany({
    where: matchingWebhooksWhere(event),
    select: { id: true, name: true },
  });
  if (webhooks.length > 0) {
    await db.webhookCall.createMany({
      data: webhooks.map((webhook) => ({ eventId: event.id, webhookId: webhook.id })),
      skipDuplicates: true,
    });
  }
  const pending = await db.webhookCall.findMany({
    where: { eventId: event.id, retriggerOfId: null, status: { in: ["UNKNOWN", "IN_PROGRESS"] } },
    select: { id: true, webhookId: true },
  });
  // Names for the dashboard from the webhooks just matched (Prisma would fetch a relation in a
  // round trip of its own); a call left from an earlier run whose webhook no longer matches is
  // still delivered, under its id.
  const names = new Map(webhooks.map((webhook) => [webhook.id, webhook.name]));
  await queues.addBulk(
    "deliveries",
    pending.map((call) => ({
      name: deliveryJobName(names.get(call.webhookId) ?? `webhook ${call.webhookId}`, event.eventType),
      data: { callId: call.id, webhookId: call.webhookId },
      opts: { jobId: jobIds.call(call.id) },
    })),
  );
  await db.event.update({ where: { id: event.id }, data: { fannedOutAt: new Date() } });
  return { matched: webhooks.length, enqueued: pending.length };
}

/** What an operator reads in the dashboard: which webhook, which kind of event. */
export function deliveryJobName(webhookName: string, eventType: string): string {
  return `${webhookName} · ${eventType}`;
}

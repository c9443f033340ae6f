import { UnrecoverableError } from "bullmq";
import { Prisma, type Db } from "@modelhooks/db";
import type { JobQueues } from "@modelhooks/queues";
import { deliveryJob } from "./delivery-job.js";
import { MATCHING_WEBHOOKS } from "./matching.js";

export interface FanOutResult {
  eventType: string;
  matched: number;
  enqueued: number;
}

interface FanOutRow {
  eventId: number;
  eventType: string;
  matched: number;
  callId: number | null;
  webhookId: number | null;
  webhookName: string | null;
}

// One round trip: the event, a call for each matching webhook (the partial unique index on
// event × webhook makes a re-run create nothing), and every call of the event not yet final.
// Rows this INSERT creates are invisible to the statement's other SELECTs, hence the UNION with
// its RETURNING. DO UPDATE (a no-op write) instead of DO NOTHING because only DO UPDATE returns the
// conflicting row, including one a concurrent fan-out of the same event committed after this
// statement's snapshot: that run may have died before enqueueing it. Always one row when the event exists.
export const FAN_OUT = (eventId: number) => Prisma.sql`
  WITH e AS (SELECT id, workspace_id, event_type, resource_type, registered_model_id FROM events WHERE id = ${eventId}),
  matched AS (SELECT w.id FROM e JOIN webhooks w ON ${MATCHING_WEBHOOKS}),
  inserted AS (
    INSERT INTO webhook_calls (event_id, webhook_id, created_at, updated_at)
    SELECT e.id, matched.id, now(), now() FROM e, matched
    ON CONFLICT (event_id, webhook_id) WHERE retrigger_of_id IS NULL DO UPDATE SET updated_at = webhook_calls.updated_at
    RETURNING id, webhook_id, status),
  pending AS (
    SELECT id, webhook_id FROM inserted WHERE status IN ('UNKNOWN', 'IN_PROGRESS')
    UNION
    SELECT c.id, c.webhook_id FROM e JOIN webhook_calls c ON c.event_id = e.id
    WHERE c.retrigger_of_id IS NULL AND c.status IN ('UNKNOWN', 'IN_PROGRESS'))
  SELECT e.id AS "eventId", e.event_type::text AS "eventType", (SELECT count(*) FROM matched)::int AS matched,
         pending.id AS "callId", pending.webhook_id AS "webhookId", w.name AS "webhookName"
  FROM e LEFT JOIN pending ON true LEFT JOIN webhooks w ON w.id = pending.webhook_id`;

export const MARK_FANNED_OUT = (eventId: number) => Prisma.sql`UPDATE events SET fanned_out_at = now() WHERE id = ${eventId}`;

/**
 * Creates one call per matching webhook and one delivery job per call not yet final. Safe to
 * re-run: nothing is created twice, and a call whose job is already queued keeps its job id.
 */
export async function fanOutEvent(db: Db, queues: JobQueues, eventId: number): Promise<FanOutResult> {
  const rows = await db.$queryRaw<FanOutRow[]>(FAN_OUT(eventId));
  const [first] = rows;
  if (!first) throw new UnrecoverableError(`event ${eventId} is not recorded`);
  const pending = rows.filter(
    (row): row is FanOutRow & { callId: number; webhookId: number } => row.callId !== null && row.webhookId !== null,
  );
  await queues.addBulk(
    "deliveries",
    pending.map((call) =>
      deliveryJob({
        callId: call.callId,
        webhookId: call.webhookId,
        webhookName: call.webhookName ?? `webhook ${call.webhookId}`,
        eventType: first.eventType,
      }),
    ),
  );
  await db.$executeRaw(MARK_FANNED_OUT(first.eventId));
  return { eventType: first.eventType, matched: first.matched, enqueued: pending.length };
}

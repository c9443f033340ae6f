import { UnrecoverableError } from "bullmq";
import { directExecute, directQuery, Prisma, type Db } from "@modelhooks/db";
import type { FairShare, JobQueues } from "@modelhooks/queues";
import { deliveryJob } from "./delivery-job.js";
import { MATCHING_WEBHOOKS } from "./matching.js";

export interface FanOutResult {
  eventType: string;
  matched: number;
  enqueued: number;
}

/** How far a fan-out got: every webhook id up to `afterWebhookId` has its call and its job. */
export interface FanOutProgress {
  afterWebhookId: number;
  matched: number;
  enqueued: number;
}

export interface FanOutOptions {
  /** Matching webhooks per statement and per addBulk: what bounds the memory of one event's fan-out. */
  pageSize: number;
  /** Where an earlier run of the same job stopped (it died after recording this). */
  resumeFrom?: FanOutProgress;
  /** Called after each page but the last, so a re-run can resume there; the last page needs no record. */
  onPage?: (progress: FanOutProgress) => Promise<void>;
  /** Orders the jobs fairly between workspaces; without it they are first in, first out. */
  fairShare?: FairShare;
  /** How long a new delivery to this webhook should wait before it is first tried (DeliverySlots.delayForNew). */
  delayForNew?: (webhookId: number, workspaceId: number) => number;
}

interface FanOutRow {
  eventId: number;
  eventType: string;
  workspaceId: number;
  matched: number;
  /** The last webhook id this page covers; null on the last page (it covers everything after `after`). */
  pageEnd: number | null;
  callId: number | null;
  webhookId: number | null;
  webhookName: string | null;
}

// One round trip per page of webhooks (by id): the event, a call for each matching webhook of the
// page (the partial unique index on event × webhook makes a re-run create nothing), and every call
// of the event not yet final whose webhook id falls in the page's range. The ranges of successive
// pages, (after, pageEnd], the last one open-ended, cover every webhook id exactly once, so a call
// whose webhook no longer matches is still enqueued by the page its id falls in.
// Rows this INSERT creates are invisible to the statement's other SELECTs, hence the UNION with
// its RETURNING. DO UPDATE (a no-op write) instead of DO NOTHING because only DO UPDATE returns the
// conflicting row, including one a concurrent fan-out of the same event committed after this
// statement's snapshot: that run may have died before enqueueing it. Always one row when the event exists.
export const FAN_OUT_PAGE = (eventId: number, afterWebhookId: number, pageSize: number) => Prisma.sql`
  WITH e AS (SELECT id, workspace_id, event_type, resource_type, registered_model_id FROM events WHERE id = ${eventId}),
  matched AS (SELECT w.id FROM e JOIN webhooks w ON ${MATCHING_WEBHOOKS} WHERE w.id > ${afterWebhookId} ORDER BY w.id LIMIT ${pageSize}),
  page AS (SELECT count(*)::int AS matched, CASE WHEN count(*) < ${pageSize} THEN NULL ELSE max(id) END AS page_end FROM matched),
  inserted AS (
    INSERT INTO webhook_calls (event_id, webhook_id, created_at, updated_at)
    SELECT e.id, matched.id, now(), now() FROM e, matched
    ON CONFLICT (event_id, webhook_id) WHERE retrigger_of_id IS NULL DO UPDATE SET updated_at = webhook_calls.updated_at
    RETURNING id, webhook_id, status),
  pending AS (
    SELECT id, webhook_id FROM inserted WHERE status IN ('UNKNOWN', 'IN_PROGRESS')
    UNION
    SELECT c.id, c.webhook_id FROM e JOIN webhook_calls c ON c.event_id = e.id CROSS JOIN page
    WHERE c.retrigger_of_id IS NULL AND c.status IN ('UNKNOWN', 'IN_PROGRESS')
      AND c.webhook_id > ${afterWebhookId} AND (page.page_end IS NULL OR c.webhook_id <= page.page_end))
  SELECT e.id AS "eventId", e.event_type::text AS "eventType", e.workspace_id AS "workspaceId", page.matched, page.page_end AS "pageEnd",
         pending.id AS "callId", pending.webhook_id AS "webhookId", w.name AS "webhookName"
  FROM e CROSS JOIN page LEFT JOIN pending ON true LEFT JOIN webhooks w ON w.id = pending.webhook_id`;

const FIRST_PAGE_SIZE = 100;

export const MARK_FANNED_OUT = (eventId: number) => Prisma.sql`UPDATE events SET fanned_out_at = now() WHERE id = ${eventId}`;

/**
 * Creates one call per matching webhook and one delivery job per call not yet final, a page of
 * webhooks at a time, so one event to ten thousand webhooks holds one page in memory, not all.
 * Safe to re-run: nothing is created twice, a call whose job is already queued keeps its job id,
 * and a run that resumes from recorded progress skips the pages already done.
 */
export async function fanOutEvent(db: Db, queues: JobQueues, eventId: number, options: FanOutOptions): Promise<FanOutResult> {
  const progress: FanOutProgress = options.resumeFrom ? { ...options.resumeFrom } : { afterWebhookId: 0, matched: 0, enqueued: 0 };
  // The first page is small, so the first deliveries leave while the bigger pages are still being written.
  let pageSize = Math.min(options.pageSize, FIRST_PAGE_SIZE);
  for (;;) {
    const rows = await directQuery<FanOutRow>(db, FAN_OUT_PAGE(eventId, progress.afterWebhookId, pageSize));
    pageSize = options.pageSize;
    const [first] = rows;
    if (!first) throw new UnrecoverableError(`event ${eventId} is not recorded`);
    const pending = rows.filter(
      (row): row is FanOutRow & { callId: number; webhookId: number } => row.callId !== null && row.webhookId !== null,
    );
    const priority = pending.length > 0 ? options.fairShare?.priorityOf(first.workspaceId, pending.length) : undefined;
    await queues.addBulk(
      "deliveries",
      pending.map((call) =>
        deliveryJob({
          priority,
          callId: call.callId,
          webhookId: call.webhookId,
          workspaceId: first.workspaceId,
          webhookName: call.webhookName ?? `webhook ${call.webhookId}`,
          eventType: first.eventType,
          delayMs: options.delayForNew?.(call.webhookId, first.workspaceId),
        }),
      ),
    );
    progress.matched += first.matched;
    progress.enqueued += pending.length;
    if (first.pageEnd === null) {
      await directExecute(db, MARK_FANNED_OUT(first.eventId));
      return { eventType: first.eventType, matched: progress.matched, enqueued: progress.enqueued };
    }
    progress.afterWebhookId = first.pageEnd;
    await options.onPage?.({ ...progress });
  }
}

import { randomUUID } from "node:crypto";
import type { Prisma } from "@modelhooks/db";
import { eventInputSchema } from "@modelhooks/contracts";
import { emitEvent } from "@modelhooks/events";
import { jobIds } from "@modelhooks/queues";
import { buildOutgoingRequest, deliveryJobName } from "@modelhooks/webhooks";
import { notFound } from "../http-errors.js";
import { canSeeWorkspace, visibleWorkspaces } from "../middleware/authenticate.js";
import { defineRoute } from "../route-table.js";
import { findWebhookCallBody, retriggerWebhookCallBody, triggerTestBody } from "@modelhooks/contracts";
import { webhookCallView } from "../views/webhook-view.js";
import { findVisibleWebhook } from "./webhooks.js";

export const webhookCallRoutes = [
  defineRoute({
    method: "post",
    path: "/createEvent",
    summary:
      "Record an event and deliver it to the matching webhooks (system admin: receivers trust our signature); the same event_uuid is accepted once per workspace",
    access: "admin",
    status: 202,
    body: eventInputSchema,
    handler: async ({ deps, principal, body, req }) => {
      if (!canSeeWorkspace(principal, body.workspace_id)) throw notFound(`workspace ${body.workspace_id}`);
      // A membership proves the workspace exists; only a system admin can name one that does not.
      const exists =
        principal.workspaceIds.includes(body.workspace_id) || (await deps.db.workspace.count({ where: { id: body.workspace_id } })) > 0;
      if (!exists) throw notFound(`workspace ${body.workspace_id}`);
      const { created } = await emitEvent({ ...deps, logger: req.log }, body, "api");
      req.log.info(created ? "event recorded" : "duplicate event ignored", { eventUuid: body.event_uuid });
      return {};
    },
  }),
  defineRoute({
    method: "post",
    path: "/findWebhookCall",
    summary: "The call log, newest first, paginated",
    access: "member",
    body: findWebhookCallBody,
    handler: async ({ deps, principal, body }) => {
      const visible = visibleWorkspaces(principal);
      const where: Prisma.WebhookCallWhereInput = {
        ...(visible ? { webhook: { workspaceId: { in: visible } } } : {}),
        ...(body.ids.length ? { id: { in: body.ids } } : {}),
        ...(body.webhook_ids.length ? { webhookId: { in: body.webhook_ids } } : {}),
        ...(body.event_uuids.length ? { event: { uuid: { in: body.event_uuids } } } : {}),
        ...(body.status.length ? { status: { in: body.status } } : {}),
      };
      const [calls, total] = await Promise.all([
        deps.db.webhookCall.findMany({
          where,
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          skip: (body.page_number - 1) * body.page_limit,
          take: body.page_limit,
          include: {
            event: { select: { uuid: true } },
            // Without include_attempts only the latest attempt is needed, for `response`.
            attemptLog: body.include_attempts ? true : { orderBy: { attemptNumber: "desc" }, take: 1 },
          },
        }),
        deps.db.webhookCall.count({ where }),
      ]);
      return { calls: calls.map((call) => webhookCallView(call, body.include_attempts)), total_records: total };
    },
  }),
  defineRoute({
    method: "post",
    path: "/retriggerWebhookCall",
    summary: "Deliver a call's event to its webhook again, as a new call (system admin)",
    access: "admin",
    body: retriggerWebhookCallBody,
    handler: async ({ deps, principal, body, req }) => {
      const original = await deps.db.webhookCall.findUnique({
        where: { id: body.call_id },
        include: { webhook: { select: { workspaceId: true, name: true } }, event: { select: { eventType: true } } },
      });
      if (!original || !canSeeWorkspace(principal, original.webhook.workspaceId)) throw notFound(`webhook call ${body.call_id}`);
      const call = await deps.db.webhookCall.create({
        data: { eventId: original.eventId, webhookId: original.webhookId, retriggerOfId: original.id },
        include: { event: { select: { uuid: true } }, attemptLog: true },
      });
      try {
        await deps.queues.add(
          "deliveries",
          deliveryJobName(original.webhook.name, original.event.eventType),
          { callId: call.id, webhookId: call.webhookId },
          { jobId: jobIds.call(call.id) },
        );
      } catch (error) {
        // The call is recorded; the relay's overdue-call sweep enqueues it once Redis is back.
        req.log.warn("retriggered call recorded but not enqueued", { callId: call.id, error: (error as Error).message });
      }
      return webhookCallView(call, false);
    },
  }),
  defineRoute({
    method: "post",
    path: "/triggerTest",
    summary: "Send a signed test event to the webhook now and answer what the receiver said (system admin)",
    access: "admin",
    body: triggerTestBody,
    handler: async ({ deps, principal, body, req }) => {
      const webhook = await findVisibleWebhook(deps, principal, body.webhook_id);
      const workspace = await deps.db.workspace.findUniqueOrThrow({ where: { id: webhook.workspaceId } });
      const envelope = {
        event_uuid: `test-${randomUUID()}`,
        event_type: webhook.allEvents ? "CREATE" : (webhook.eventTypes[0] ?? "CREATE"),
        workspace_id: workspace.id,
        workspace_name: workspace.name,
        timestamp: new Date().toISOString(),
        resource_type: webhook.resourceTypes[0] ?? "REGISTERED_MODEL",
        original_entity: null,
        new_entity: null,
        webhook: { id: webhook.id, name: webhook.name },
        test: true,
      };
      const secret = webhook.encryptedSecret ? deps.secretBox.open(webhook.encryptedSecret) : null;
      const request = buildOutgoingRequest({ envelope, secret, callId: null, attempt: 1 });
      const result = await deps.transport.send({ url: webhook.location, ...request });
      req.log.info("test event sent", { webhookId: webhook.id, statusCode: result.statusCode, durationMs: result.durationMs });
      return { status_code: result.statusCode, body: result.body, ...(result.error ? { error: result.error } : {}) };
    },
  }),
];

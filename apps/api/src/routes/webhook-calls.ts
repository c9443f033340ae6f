import {
  eventInputSchema,
  findEventsBody,
  findWebhookCallBody,
  recoverWebhookCallsBody,
  retriggerWebhookCallBody,
  triggerTestBody,
} from "@modelhooks/contracts";
import { acceptEvent } from "@modelhooks/events";
import {
  eventView,
  findEvents,
  findWebhookCalls,
  requestRecovery,
  retriggerWebhookCall,
  sendTestEvent,
  webhookCallView,
} from "@modelhooks/webhooks";
import { defineRoute } from "../route-table.js";

export const webhookCallRoutes = [
  defineRoute({
    method: "post",
    path: "/createEvent",
    summary:
      "Record an event and deliver it to the matching webhooks (system admin: receivers trust our signature); the same event_uuid is accepted once per workspace; over EVENTS_PER_WORKSPACE_PER_SECOND for its workspace, 429 with Retry-After and nothing recorded",
    access: "admin",
    status: 202,
    body: eventInputSchema,
    handler: async ({ deps, body, req }) => {
      await acceptEvent({ intake: deps.eventIntake, limit: deps.ingestionLimit, logger: req.log }, body);
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
      const { calls, total } = await findWebhookCalls(deps.db, principal, body);
      return { calls: calls.map((call) => webhookCallView(call, body.include_attempts)), total_records: total };
    },
  }),
  defineRoute({
    method: "post",
    path: "/retriggerWebhookCall",
    summary: "Deliver a call's event to its webhook again, as a new call (system admin)",
    access: "admin",
    body: retriggerWebhookCallBody,
    handler: async ({ deps, principal, body, req }) =>
      webhookCallView(await retriggerWebhookCall({ ...deps, logger: req.log }, principal, body.call_id), false),
  }),
  defineRoute({
    method: "post",
    path: "/triggerTest",
    summary: "Send a signed test event to the webhook now and answer what the receiver said (system admin)",
    access: "admin",
    body: triggerTestBody,
    handler: async ({ deps, principal, body, req }) => {
      const result = await sendTestEvent(deps, principal, body.webhook_id);
      req.log.info("test event sent", { webhookId: body.webhook_id, statusCode: result.statusCode, durationMs: result.durationMs });
      return { status_code: result.statusCode, body: result.body, ...(result.error ? { error: result.error } : {}) };
    },
  }),
  defineRoute({
    method: "post",
    path: "/findEvents",
    summary: "The events the caller can see, filtered, newest first, with their calls counted by status",
    access: "member",
    body: findEventsBody,
    handler: async ({ deps, principal, body }) => {
      const { events, total } = await findEvents(deps.db, principal, body);
      return { events: events.map(eventView), total_records: total };
    },
  }),
  defineRoute({
    method: "post",
    path: "/recoverWebhookCalls",
    summary:
      "Send every FAILURE call of a webhook created in a window (at most 14 days) again, as new calls; answers at once, the worker does it (system admin)",
    access: "admin",
    body: recoverWebhookCallsBody,
    handler: async ({ deps, principal, body, req }) => requestRecovery({ ...deps, logger: req.log }, principal, body),
  }),
];

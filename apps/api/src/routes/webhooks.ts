import { createWebhookBody, deleteWebhookBody, findWebhookBody, rotateWebhookSecretBody, updateWebhookBody } from "@modelhooks/contracts";
import {
  createWebhook,
  deleteWebhooks,
  findWebhooks,
  rotateWebhookSecret,
  updateWebhook,
  webhookDeliveryStats,
  webhookView,
} from "@modelhooks/webhooks";
import { defineRoute } from "../route-table.js";

export const webhookRoutes = [
  defineRoute({
    method: "post",
    path: "/createWebhook",
    summary: "Register a webhook (system admin)",
    access: "admin",
    body: createWebhookBody,
    handler: async ({ deps, principal, body }) => webhookView(await createWebhook(deps, principal, body)),
  }),
  defineRoute({
    method: "post",
    path: "/updateWebhook",
    summary: "Change a webhook; status ACTIVE re-enables a disabled one (system admin)",
    access: "admin",
    body: updateWebhookBody,
    handler: async ({ deps, principal, body }) => webhookView(await updateWebhook(deps, principal, body)),
  }),
  defineRoute({
    method: "post",
    path: "/rotateWebhookSecret",
    summary:
      "Give a webhook a new secret (generated and answered once when none is given); the old one keeps signing beside it for overlap_seconds (system admin)",
    access: "admin",
    body: rotateWebhookSecretBody,
    handler: async ({ deps, principal, body, req }) => {
      const rotation = await rotateWebhookSecret(deps, principal, body);
      req.log.info("webhook secret rotated", { webhookId: rotation.webhook.id, overlapSeconds: body.overlap_seconds, by: principal.email });
      return {
        webhook: webhookView(rotation.webhook),
        ...(rotation.generatedSecret ? { mutual_secret: rotation.generatedSecret } : {}),
        ...(rotation.previousSecretExpiresAt ? { previous_secret_expires_at: rotation.previousSecretExpiresAt.toISOString() } : {}),
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/findWebhook",
    summary: "List the webhooks the caller can see, filtered (all filters AND-ed)",
    access: "member",
    body: findWebhookBody,
    handler: async ({ deps, principal, body }) => {
      const webhooks = await findWebhooks(deps.db, principal, body);
      if (!body.include_stats) return { webhooks: webhooks.map(webhookView) };
      const stats = await webhookDeliveryStats(
        deps.db,
        webhooks.map((webhook) => webhook.id),
      );
      return { webhooks: webhooks.map((webhook) => ({ ...webhookView(webhook), stats: stats.get(webhook.id) })) };
    },
  }),
  ...(["delete", "post"] as const).map((method) =>
    defineRoute({
      method,
      path: "/deleteWebhook",
      summary: "Delete webhooks and their call log (system admin); all or nothing",
      access: "admin",
      body: deleteWebhookBody,
      handler: async ({ deps, principal, body }) => {
        await deleteWebhooks(deps.db, principal, body.ids);
        return {};
      },
    }),
  ),
];

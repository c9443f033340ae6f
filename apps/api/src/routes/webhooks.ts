import { createWebhookBody, deleteWebhookBody, findWebhookBody, updateWebhookBody } from "@modelhooks/contracts";
import { createWebhook, deleteWebhooks, findWebhooks, updateWebhook, webhookView } from "@modelhooks/webhooks";
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
    path: "/findWebhook",
    summary: "List the webhooks the caller can see, filtered (all filters AND-ed)",
    access: "member",
    body: findWebhookBody,
    handler: async ({ deps, principal, body }) => ({ webhooks: (await findWebhooks(deps.db, principal, body)).map(webhookView) }),
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

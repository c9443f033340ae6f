import type { Prisma } from "@modelhooks/db";
import { Prisma as PrismaNamespace } from "@modelhooks/db";
import type { Principal } from "@modelhooks/identity";
import { isForbiddenHost, webhookView } from "@modelhooks/webhooks";
import type { ApiDeps } from "../api-deps.js";
import { badRequest, conflict, notFound } from "../http-errors.js";
import { canSeeWorkspace, visibleWorkspaces } from "../middleware/authenticate.js";
import { defineRoute } from "../route-table.js";
import { createWebhookBody, deleteWebhookBody, findWebhookBody, updateWebhookBody } from "@modelhooks/contracts";

/** The workspace a request acts on: the one named (if the caller may see it) or the caller's default. */
export function targetWorkspace(principal: Principal, workspaceId: number | undefined): number {
  if (workspaceId !== undefined) {
    if (!canSeeWorkspace(principal, workspaceId)) throw notFound(`workspace ${workspaceId}`);
    return workspaceId;
  }
  const fallback = principal.workspaceIds[0];
  if (fallback === undefined)
    throw badRequest("workspace_id: required, the caller belongs to no workspace", [{ path: "workspace_id", message: "required" }]);
  return fallback;
}

/** A webhook the caller may see, or 404 as if it did not exist. */
export async function findVisibleWebhook(deps: ApiDeps, principal: Principal, id: number) {
  const webhook = await deps.db.webhook.findUnique({ where: { id } });
  if (!webhook || !canSeeWorkspace(principal, webhook.workspaceId)) throw notFound(`webhook ${id}`);
  return webhook;
}

/** SSRF guard at the door: with private targets disallowed, refuse locations that can only be internal. */
function assertDeliverable(deps: ApiDeps, location: string, field: string): void {
  if (deps.config.ALLOW_PRIVATE_TARGETS || !isForbiddenHost(new URL(location).hostname)) return;
  const message = "must not point at a loopback, private, link-local or metadata address";
  throw badRequest(`${field}: ${message}`, [{ path: field, message }]);
}

function duplicateName(name: string, workspaceId: number) {
  return conflict(`a webhook named "${name}" already exists in workspace ${workspaceId}`, [
    { path: "name", message: "already exists in this workspace" },
  ]);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof PrismaNamespace.PrismaClientKnownRequestError && error.code === "P2002";
}

const without = <T>(list: readonly T[], removed: readonly T[]) => list.filter((item) => !removed.includes(item));
const union = <T>(list: readonly T[], added: readonly T[]) => [...new Set([...list, ...added])];

export const webhookRoutes = [
  defineRoute({
    method: "post",
    path: "/createWebhook",
    summary: "Register a webhook (system admin)",
    access: "admin",
    body: createWebhookBody,
    handler: async ({ deps, principal, body }) => {
      assertDeliverable(deps, body.location, "location");
      const workspaceId = targetWorkspace(principal, body.workspace_id);
      const workspace = await deps.db.workspace.findUnique({ where: { id: workspaceId } });
      if (!workspace) throw notFound(`workspace ${workspaceId}`);
      try {
        const webhook = await deps.db.webhook.create({
          data: {
            workspaceId,
            name: body.name,
            location: body.location,
            encryptedSecret: body.mutual_secret ? deps.secretBox.seal(body.mutual_secret) : null,
            eventTypes: [...new Set(body.event_types)],
            allEvents: body.all_events,
            resourceTypes: [...new Set(body.resource_types)],
          },
        });
        return webhookView(webhook);
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicateName(body.name, workspaceId);
        throw error;
      }
    },
  }),
  defineRoute({
    method: "post",
    path: "/updateWebhook",
    summary: "Change a webhook; status ACTIVE re-enables a disabled one (system admin)",
    access: "admin",
    body: updateWebhookBody,
    handler: async ({ deps, principal, body }) => {
      if (body.new_location !== undefined) assertDeliverable(deps, body.new_location, "new_location");
      const current = await findVisibleWebhook(deps, principal, body.id);
      const allEvents = body.set_all_events ? true : body.clear_all_events ? false : current.allEvents;
      const eventTypes = without(union(current.eventTypes, body.add_event_types), body.delete_event_types);
      if (!allEvents && eventTypes.length === 0) {
        throw badRequest("event_types: a webhook without all_events needs at least one event type", [
          { path: "delete_event_types", message: "would leave no event type while all_events is false" },
        ]);
      }
      const data: Prisma.WebhookUpdateInput = {
        allEvents,
        eventTypes,
        resourceTypes: without(union(current.resourceTypes, body.add_resource_types), body.delete_resource_types),
      };
      if (body.new_name !== undefined) data.name = body.new_name;
      if (body.new_location !== undefined) data.location = body.new_location;
      if (body.mutual_secret !== undefined)
        data.encryptedSecret = body.mutual_secret === "" ? null : deps.secretBox.seal(body.mutual_secret);
      if (body.status !== undefined && body.status !== current.status) {
        data.status = body.status;
        data.disabledReason = body.status === "DISABLED" ? `disabled by ${principal.email}` : null;
        // Re-enabled: its run of failures starts over, or the next failure would disable it again.
        if (body.status === "ACTIVE") Object.assign(data, { consecutiveFailures: 0, failingSince: null });
      }
      try {
        return webhookView(await deps.db.webhook.update({ where: { id: current.id }, data }));
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicateName(body.new_name ?? current.name, current.workspaceId);
        throw error;
      }
    },
  }),
  defineRoute({
    method: "post",
    path: "/findWebhook",
    summary: "List the webhooks the caller can see, filtered (all filters AND-ed)",
    access: "member",
    body: findWebhookBody,
    handler: async ({ deps, principal, body }) => {
      const visible = visibleWorkspaces(principal);
      const requested = body.workspace_id.length > 0 ? body.workspace_id : undefined;
      const workspaceIds = visible && requested ? requested.filter((id) => visible.includes(id)) : (requested ?? visible);
      const where: Prisma.WebhookWhereInput = {
        ...(workspaceIds ? { workspaceId: { in: workspaceIds } } : {}),
        ...(body.ids.length ? { id: { in: body.ids } } : {}),
        ...(body.names.length ? { name: { in: body.names } } : {}),
        // A webhook listing no resource types receives them all, so it matches any filter.
        ...(body.resource_types.length
          ? { OR: [{ resourceTypes: { hasSome: body.resource_types } }, { resourceTypes: { isEmpty: true } }] }
          : {}),
      };
      const webhooks = await deps.db.webhook.findMany({ where, orderBy: { id: "asc" } });
      return { webhooks: webhooks.map(webhookView) };
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
        const ids = [...new Set(body.ids)];
        const visible = visibleWorkspaces(principal);
        const found = await deps.db.webhook.findMany({
          where: { id: { in: ids }, ...(visible ? { workspaceId: { in: visible } } : {}) },
          select: { id: true },
        });
        const missing = ids.filter((id) => !found.some((webhook) => webhook.id === id));
        if (missing.length > 0) throw notFound(`webhook ${missing.join(", ")}`);
        await deps.db.webhook.deleteMany({ where: { id: { in: ids } } });
        return {};
      },
    }),
  ),
];

import {
  alreadyExists,
  invalidArgument,
  notFound,
  type CreateWebhookInput,
  type FindWebhookInput,
  type UpdateWebhookInput,
} from "@modelhooks/contracts";
import { isUniqueViolation, type Db, type Prisma, type Webhook } from "@modelhooks/db";
import { canSeeWorkspace, targetWorkspace, visibleAmong, visibleWorkspaces, type Principal } from "@modelhooks/identity";
import { isForbiddenHost } from "./address-guard.js";
import { mergeHeaders, openHeaders, sealHeaders } from "./custom-headers.js";
import type { SecretBox } from "./secret-box.js";
import { signingPreviousSecretsInclude, type WebhookWithRotation } from "./webhook-view.js";

export interface WebhookAdminDeps {
  db: Db;
  secretBox: SecretBox;
  config: { ALLOW_PRIVATE_TARGETS: boolean };
}

/** A webhook the caller may see, or 404 as if it did not exist. */
export async function findVisibleWebhook(db: Db, principal: Principal, id: number): Promise<Webhook> {
  const webhook = await db.webhook.findUnique({ where: { id } });
  if (!webhook || !canSeeWorkspace(principal, webhook.workspaceId)) throw notFound(`webhook ${id}`);
  return webhook;
}

/** SSRF guard at the door: with private targets disallowed, refuse locations that can only be internal. */
function assertDeliverable(deps: WebhookAdminDeps, location: string, field: string): void {
  if (deps.config.ALLOW_PRIVATE_TARGETS || !isForbiddenHost(new URL(location).hostname)) return;
  throw invalidArgument(field, "must not point at a loopback, private, link-local, metadata or other special-purpose address");
}

/** A scope names models of the webhook's own workspace only; anything else is refused, never silently ignored. */
async function scopeOf(db: Db, workspaceId: number, requested: readonly number[]): Promise<number[]> {
  const ids = [...new Set(requested)];
  if (ids.length === 0) return ids;
  const found = await db.registeredModel.findMany({ where: { id: { in: ids }, workspaceId }, select: { id: true } });
  const unknown = ids.filter((id) => !found.some((model) => model.id === id));
  if (unknown.length > 0)
    throw invalidArgument("registered_model_ids", `no registered model ${unknown.join(", ")} in workspace ${workspaceId}`);
  return ids;
}

const duplicateName = (name: string, workspaceId: number) =>
  alreadyExists(`a webhook named "${name}" already exists in workspace ${workspaceId}`, "name");

const without = <T>(list: readonly T[], removed: readonly T[]) => list.filter((item) => !removed.includes(item));
const union = <T>(list: readonly T[], added: readonly T[]) => [...new Set([...list, ...added])];

export async function createWebhook(deps: WebhookAdminDeps, principal: Principal, input: CreateWebhookInput): Promise<Webhook> {
  assertDeliverable(deps, input.location, "location");
  const workspaceId = targetWorkspace(principal, input.workspace_id);
  const workspace = await deps.db.workspace.findUnique({ where: { id: workspaceId }, select: { id: true } });
  if (!workspace) throw notFound(`workspace ${workspaceId}`);
  const registeredModelIds = await scopeOf(deps.db, workspaceId, input.registered_model_ids);
  try {
    return await deps.db.webhook.create({
      data: {
        workspaceId,
        name: input.name,
        location: input.location,
        encryptedSecret: input.mutual_secret ? deps.secretBox.seal(input.mutual_secret) : null,
        eventTypes: [...new Set(input.event_types)],
        allEvents: input.all_events,
        resourceTypes: [...new Set(input.resource_types)],
        ...sealHeaders(deps.secretBox, input.headers ?? {}),
        registeredModelIds,
        maxDeliveriesPerSecond: input.max_deliveries_per_second,
      },
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(input.name, workspaceId);
    throw error;
  }
}

/** Verta's updateWebhook: lists change by additions and deletions; `status: ACTIVE` re-enables. */
export async function updateWebhook(deps: WebhookAdminDeps, principal: Principal, input: UpdateWebhookInput): Promise<WebhookWithRotation> {
  if (input.new_location !== undefined) assertDeliverable(deps, input.new_location, "new_location");
  const current = await findVisibleWebhook(deps.db, principal, input.id);
  const allEvents = input.set_all_events ? true : input.clear_all_events ? false : current.allEvents;
  const eventTypes = without(union(current.eventTypes, input.add_event_types), input.delete_event_types);
  if (!allEvents && eventTypes.length === 0) {
    throw invalidArgument("delete_event_types", "would leave no event type while all_events is false");
  }
  const data: Prisma.WebhookUpdateInput = {
    allEvents,
    eventTypes,
    resourceTypes: without(union(current.resourceTypes, input.add_resource_types), input.delete_resource_types),
  };
  if (input.new_name !== undefined) data.name = input.new_name;
  if (input.new_location !== undefined) data.location = input.new_location;
  if (input.mutual_secret !== undefined) {
    data.encryptedSecret = input.mutual_secret === "" ? null : deps.secretBox.seal(input.mutual_secret);
    // A replacement takes effect at once (Verta's behaviour), so secrets of a rotation stop signing too.
    data.previousSecrets = { deleteMany: {} };
  }
  if (input.max_deliveries_per_second !== undefined) data.maxDeliveriesPerSecond = input.max_deliveries_per_second;
  if (input.registered_model_ids !== undefined)
    data.registeredModelIds = await scopeOf(deps.db, current.workspaceId, input.registered_model_ids);
  if (input.headers !== undefined)
    Object.assign(data, sealHeaders(deps.secretBox, mergeHeaders(openHeaders(deps.secretBox, current.encryptedHeaders), input.headers)));
  if (input.status !== undefined && input.status !== current.status) {
    data.status = input.status;
    data.disabledReason = input.status === "DISABLED" ? `disabled by ${principal.email}` : null;
    // Re-enabled: its run of failures starts over, or the next failure would disable it again.
    if (input.status === "ACTIVE") Object.assign(data, { consecutiveFailures: 0, failingSince: null });
  }
  try {
    return await deps.db.webhook.update({ where: { id: current.id }, data, include: signingPreviousSecretsInclude() });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(input.new_name ?? current.name, current.workspaceId);
    throw error;
  }
}

/** The webhooks the caller can see, filtered (all filters AND-ed), oldest first. */
export async function findWebhooks(db: Db, principal: Principal, filter: FindWebhookInput): Promise<WebhookWithRotation[]> {
  const workspaceIds = visibleAmong(principal, filter.workspace_id);
  return db.webhook.findMany({
    where: {
      ...(workspaceIds ? { workspaceId: { in: workspaceIds } } : {}),
      ...(filter.ids.length ? { id: { in: filter.ids } } : {}),
      ...(filter.names.length ? { name: { in: filter.names } } : {}),
      // A webhook listing no resource types receives them all, so it matches any filter.
      ...(filter.resource_types.length
        ? { OR: [{ resourceTypes: { hasSome: filter.resource_types } }, { resourceTypes: { isEmpty: true } }] }
        : {}),
    },
    orderBy: { id: "asc" },
    include: signingPreviousSecretsInclude(),
  });
}

/** Deletes webhooks with their call log; all or nothing: one id the caller cannot see and nothing is deleted. */
export async function deleteWebhooks(db: Db, principal: Principal, ids: number[]): Promise<void> {
  const unique = [...new Set(ids)];
  const visible = visibleWorkspaces(principal);
  const found = await db.webhook.findMany({
    where: { id: { in: unique }, ...(visible ? { workspaceId: { in: visible } } : {}) },
    select: { id: true },
  });
  const missing = unique.filter((id) => !found.some((webhook) => webhook.id === id));
  if (missing.length > 0) throw notFound(`webhook ${missing.join(", ")}`);
  await db.webhook.deleteMany({ where: { id: { in: unique } } });
}

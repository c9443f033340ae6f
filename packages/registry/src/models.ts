import { alreadyExists, DomainError } from "@modelhooks/contracts";
import { isUniqueViolation } from "@modelhooks/db";
import type { Principal } from "@modelhooks/identity";
import { modelEntity, registryEvent, versionEntity } from "./registry-events.js";
import { blockerOf, latestBuild } from "./promotion-eligibility.js";
import { recordPromotionCallback } from "./promotions.js";
import { changeWithEvents, lockVersion, visibleModel, visibleVersion, visibleWorkspaceByName, type RegistryDeps } from "./registry-deps.js";

export interface ModelFields {
  name?: string;
  description?: string;
  labels?: string[];
}

export interface VersionFields {
  description?: string;
  labels?: string[];
}

export interface PromotionCallback {
  promotion_status?: "COMPLETE" | "FAILED";
  promotion_message?: string;
  redirect_metadata?: string;
}

const PROMOTION_FIELDS = ["promotion_status", "promotion_message", "redirect_metadata"] as const;

const unique = (labels: string[] | undefined) => (labels ? [...new Set(labels)] : undefined);

function duplicate(error: unknown, what: string, field: string): never {
  if (isUniqueViolation(error)) throw alreadyExists(`${what} already exists`, field);
  throw error;
}

export async function createRegisteredModel(
  deps: RegistryDeps,
  principal: Principal,
  workspaceName: string,
  fields: Required<Pick<ModelFields, "name">> & ModelFields,
) {
  return changeWithEvents(deps, async (tx, events) => {
    const workspace = await visibleWorkspaceByName(tx, principal, workspaceName);
    const model = await tx.registeredModel
      .create({
        data: { workspaceId: workspace.id, name: fields.name, description: fields.description ?? "", labels: unique(fields.labels) ?? [] },
      })
      .catch((error: unknown) => duplicate(error, `a registered model named "${fields.name}" in workspace ${workspaceName}`, "name"));
    await events.record(tx, registryEvent(workspace.id, "CREATE", "REGISTERED_MODEL", null, modelEntity(model)));
    return model;
  });
}

export async function getRegisteredModel(deps: RegistryDeps, principal: Principal, id: number) {
  return visibleModel(deps.db, principal, id);
}

export async function getModelVersion(deps: RegistryDeps, principal: Principal, id: number) {
  return visibleVersion(deps.db, principal, id);
}

/** What the version page shows, read in one go. */
export async function getVersionPage(deps: RegistryDeps, principal: Principal, id: number) {
  const version = await visibleVersion(deps.db, principal, id);
  const latest = await latestBuild(deps.db, version.id);
  return { version, latest, blocker: blockerOf(latest, version.id, version.registeredModel.workspace.requireSafeScan) };
}

export async function findRegisteredModelByName(deps: RegistryDeps, principal: Principal, workspaceName: string, name: string) {
  const workspace = await visibleWorkspaceByName(deps.db, principal, workspaceName);
  const model = await deps.db.registeredModel.findUnique({ where: { workspaceId_name: { workspaceId: workspace.id, name } } });
  if (!model) throw new DomainError("not_found", `registered model ${name} not found in workspace ${workspaceName}`);
  return model;
}

export async function updateRegisteredModel(deps: RegistryDeps, principal: Principal, id: number, fields: ModelFields) {
  return changeWithEvents(deps, async (tx, events) => {
    const before = await visibleModel(tx, principal, id);
    const after = await tx.registeredModel
      .update({ where: { id }, data: { name: fields.name, description: fields.description, labels: unique(fields.labels) } })
      .catch((error: unknown) => duplicate(error, `a registered model named "${fields.name}"`, "name"));
    await events.record(tx, registryEvent(before.workspaceId, "UPDATE", "REGISTERED_MODEL", modelEntity(before), modelEntity(after)));
    return after;
  });
}

export async function deleteRegisteredModel(deps: RegistryDeps, principal: Principal, id: number) {
  await changeWithEvents(deps, async (tx, events) => {
    const before = await visibleModel(tx, principal, id);
    await tx.registeredModel.delete({ where: { id } });
    await events.record(tx, registryEvent(before.workspaceId, "DELETE", "REGISTERED_MODEL", modelEntity(before), null));
  });
}

export async function createModelVersion(
  deps: RegistryDeps,
  principal: Principal,
  modelId: number,
  fields: VersionFields & { version: string },
) {
  return changeWithEvents(deps, async (tx, events) => {
    const model = await visibleModel(tx, principal, modelId);
    const version = await tx.modelVersion
      .create({
        data: {
          registeredModelId: model.id,
          version: fields.version,
          description: fields.description ?? "",
          labels: unique(fields.labels) ?? [],
        },
      })
      .catch((error: unknown) => duplicate(error, `version "${fields.version}" of model ${model.name}`, "version"));
    await events.record(tx, registryEvent(model.workspaceId, "CREATE", "MODEL_VERSION", null, versionEntity(version)));
    return version;
  });
}

/**
 * A version's own fields, and the deployment pipeline's call-back closing a promotion:
 * COMPLETE (with redirect_metadata, the forwarding address) or FAILED (with a message).
 */
export async function updateModelVersion(
  deps: RegistryDeps,
  principal: Principal,
  modelId: number,
  versionId: number,
  fields: VersionFields & PromotionCallback,
) {
  return changeWithEvents(deps, async (tx, events) => {
    const before = await visibleVersion(tx, principal, versionId);
    if (before.registeredModelId !== modelId)
      throw new DomainError("not_found", `model version ${versionId} not found in registered model ${modelId}`);
    // The call-back decides what users see as deployed and where they are sent: only the
    // integration's credentials (a system admin) may speak for the deployment pipeline.
    const promotionField = PROMOTION_FIELDS.find((field) => fields[field] !== undefined);
    if (promotionField && !principal.systemAdmin) {
      throw new DomainError(
        "permission_denied",
        `${promotionField}: the promotion call-back requires a system admin (the deployment pipeline's credentials)`,
        promotionField,
      );
    }
    if (fields.promotion_status === "FAILED" && !fields.promotion_message) {
      throw new DomainError("invalid_argument", "promotion_message: required when promotion_status is FAILED", "promotion_message");
    }
    const own = { description: fields.description, labels: unique(fields.labels) };
    if (fields.promotion_status !== undefined) {
      await lockVersion(tx, versionId);
      const current = await visibleVersion(tx, principal, versionId); // re-read under the lock
      if (own.description !== undefined || own.labels !== undefined) await tx.modelVersion.update({ where: { id: versionId }, data: own });
      return recordPromotionCallback(tx, events, current, {
        status: fields.promotion_status,
        message: fields.promotion_message,
        redirectMetadata: fields.redirect_metadata,
      });
    }
    const after = await tx.modelVersion.update({
      where: { id: versionId },
      data: { ...own, promotionMessage: fields.promotion_message, redirectMetadata: fields.redirect_metadata },
    });
    await events.record(
      tx,
      registryEvent(before.registeredModel.workspaceId, "UPDATE", "MODEL_VERSION", versionEntity(before), versionEntity(after)),
    );
    return after;
  });
}

export async function deleteModelVersion(deps: RegistryDeps, principal: Principal, versionId: number) {
  await changeWithEvents(deps, async (tx, events) => {
    const before = await visibleVersion(tx, principal, versionId);
    await tx.modelVersion.delete({ where: { id: versionId } });
    await events.record(tx, registryEvent(before.registeredModel.workspaceId, "DELETE", "MODEL_VERSION", versionEntity(before), null));
  });
}

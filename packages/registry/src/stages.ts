import type { Stage, TransitionState } from "@modelhooks/db";
import { canSeeWorkspace, isFlagEnabled, type Principal } from "@modelhooks/identity";
import { registryEvent, versionEntity } from "./registry-events.js";
import { DomainError, notFound } from "@modelhooks/contracts";
import { changeWithEvents, lockVersion, visibleVersion, type RegistryDeps, type Tx } from "./registry-deps.js";
import { productionBlocker } from "./promotion-eligibility.js";
import { startPromotion } from "./promotions.js";

const activityInclude = { transition: true } as const;

async function visibleTransition(tx: Tx, principal: Principal, id: number) {
  const transition = await tx.stageTransition.findUnique({
    where: { id },
    include: { modelVersion: { include: { registeredModel: { include: { workspace: true } } } } },
  });
  if (!transition || !canSeeWorkspace(principal, transition.modelVersion.registeredModel.workspaceId)) throw notFound(`transition ${id}`);
  return transition;
}

function requirePending(transition: { id: number; state: TransitionState }) {
  if (transition.state !== "PENDING")
    throw new DomainError("failed_precondition", `transition ${transition.id} is already ${transition.state}`, "transition_id");
}

export async function createTransition(
  deps: RegistryDeps,
  principal: Principal,
  input: { model_version_id: number; desired_stage: Stage; comment: string },
) {
  return changeWithEvents(deps, async (tx) => {
    const version = await visibleVersion(tx, principal, input.model_version_id);
    if (version.stage === input.desired_stage)
      throw new DomainError("invalid_argument", `model version ${version.id} is already in ${version.stage}`, "desired_stage");
    const transition = await tx.stageTransition.create({
      data: { modelVersionId: version.id, authorId: principal.userId, sourceStage: version.stage, desiredStage: input.desired_stage },
    });
    return tx.stageActivity.create({
      data: { modelVersionId: version.id, authorId: principal.userId, transitionId: transition.id, comment: input.comment },
      include: activityInclude,
    });
  });
}

/**
 * Approval by another member applies the stage. To PRODUCTION with PROMOTION_EVENTS on, it also
 * starts the promotion (PROMOTE out, IN_PROGRESS, or FAILED when nobody listens) — all in one transaction.
 */
export async function approveTransition(deps: RegistryDeps, principal: Principal, input: { transition_id: number; comment: string }) {
  return changeWithEvents(deps, async (tx, events) => {
    const found = await visibleTransition(tx, principal, input.transition_id);
    await lockVersion(tx, found.modelVersionId);
    const transition = await visibleTransition(tx, principal, input.transition_id); // re-read under the lock
    requirePending(transition);
    if (transition.authorId === principal.userId)
      throw new DomainError("permission_denied", "the author of a transition cannot approve it; another member must");
    const before = transition.modelVersion;
    const workspace = before.registeredModel.workspace;
    const toProduction = transition.desiredStage === "PRODUCTION";
    if (toProduction) {
      const blocker = await productionBlocker(tx, before.id, workspace.requireSafeScan);
      if (blocker) throw new DomainError("failed_precondition", `cannot promote to PRODUCTION: ${blocker}`, "transition_id");
    }
    const promotionEvents = toProduction && (await isFlagEnabled(tx, workspace.id, "PROMOTION_EVENTS"));
    const after = await tx.modelVersion.update({
      where: { id: before.id },
      data: { stage: transition.desiredStage },
      include: { registeredModel: { include: { workspace: true } } },
    });
    const approved = await tx.stageTransition.update({
      where: { id: transition.id },
      data: { state: "APPROVED", decidedById: principal.userId },
    });
    const activity = await tx.stageActivity.create({
      data: { modelVersionId: before.id, authorId: principal.userId, transitionId: transition.id, comment: input.comment },
      include: activityInclude,
    });
    await events.record(tx, registryEvent(workspace.id, "UPDATE", "MODEL_VERSION", versionEntity(before), versionEntity(after)));
    if (promotionEvents)
      await startPromotion(tx, events, before, after, approved, { id: principal.userId, email: principal.email }, input.comment);
    return activity;
  });
}

export async function rejectTransition(deps: RegistryDeps, principal: Principal, input: { transition_id: number; comment: string }) {
  return decideWithoutApplying(deps, principal, input, "REJECTED");
}

export async function closeTransition(deps: RegistryDeps, principal: Principal, input: { transition_id: number; comment: string }) {
  return decideWithoutApplying(deps, principal, input, "CLOSED");
}

/** Reject (by a member other than the author) or close (by the author or a system admin). */
async function decideWithoutApplying(
  deps: RegistryDeps,
  principal: Principal,
  input: { transition_id: number; comment: string },
  state: "REJECTED" | "CLOSED",
) {
  return changeWithEvents(deps, async (tx) => {
    const transition = await visibleTransition(tx, principal, input.transition_id);
    requirePending(transition);
    const isAuthor = transition.authorId === principal.userId;
    if (state === "REJECTED" && isAuthor)
      throw new DomainError("permission_denied", "the author cannot reject their own transition; close it instead");
    if (state === "CLOSED" && !isAuthor && !principal.systemAdmin)
      throw new DomainError("permission_denied", "only the author or a system admin can close a transition");
    await tx.stageTransition.update({ where: { id: transition.id }, data: { state, decidedById: principal.userId } });
    return tx.stageActivity.create({
      data: { modelVersionId: transition.modelVersionId, authorId: principal.userId, transitionId: transition.id, comment: input.comment },
      include: activityInclude,
    });
  });
}

/** System admins move a version to any stage but PRODUCTION directly (PRODUCTION needs an approval). */
export async function updateStage(
  deps: RegistryDeps,
  principal: Principal,
  input: { model_version_id: number; stage: Stage; comment: string },
) {
  if (!principal.systemAdmin) throw new DomainError("permission_denied", "updateStage requires a system admin");
  if (input.stage === "PRODUCTION")
    throw new DomainError("invalid_argument", "stage: PRODUCTION is reached only through an approved transition", "stage");
  return changeWithEvents(deps, async (tx, events) => {
    const before = await visibleVersion(tx, principal, input.model_version_id);
    await lockVersion(tx, before.id);
    const after = await tx.modelVersion.update({ where: { id: before.id }, data: { stage: input.stage } });
    await events.record(
      tx,
      registryEvent(before.registeredModel.workspaceId, "UPDATE", "MODEL_VERSION", versionEntity(before), versionEntity(after)),
    );
    return tx.stageActivity.create({
      data: { modelVersionId: before.id, authorId: principal.userId, comment: input.comment },
      include: activityInclude,
    });
  });
}

/** One Activity per transition (its request), newest first, with the transition's current state. */
export async function findTransitions(
  deps: RegistryDeps,
  principal: Principal,
  input: { model_version_id: number; state: TransitionState[] },
) {
  const version = await visibleVersion(deps.db, principal, input.model_version_id);
  const transitions = await deps.db.stageTransition.findMany({
    where: { modelVersionId: version.id, ...(input.state.length ? { state: { in: input.state } } : {}) },
    include: { activities: { orderBy: { id: "asc" }, take: 1, include: activityInclude } },
    orderBy: { id: "desc" },
  });
  return transitions.flatMap((transition) => transition.activities);
}

import { failedPrecondition } from "@modelhooks/contracts";
import type { ModelVersion, Prisma, RegisteredModel, StageTransition, Workspace } from "@modelhooks/db";
import type { PendingEvents } from "@modelhooks/events";
import { isFlagEnabled, type Principal } from "@modelhooks/identity";
import { asSentence, notifyUsers } from "@modelhooks/notifications";
import { countSubscribers, describeFailure, type CallFailureReaction } from "@modelhooks/webhooks";
import { describeDuration } from "./durations.js";
import { registryEvent, versionEntity } from "./registry-events.js";
import { changeWithEvents, lockVersion, visibleVersion, type RegistryDeps, type Tx } from "./registry-deps.js";
import { modelVersionView, transitionView } from "./views.js";

type VersionInContext = ModelVersion & { registeredModel: RegisteredModel & { workspace: Workspace } };

// The promotion lifecycle (docs/lifecycles.md): NONE → IN_PROGRESS on approval to PRODUCTION
// with PROMOTION_EVENTS on; IN_PROGRESS → COMPLETE by the pipeline's call-back; → FAILED with a
// message when nobody is subscribed, every PROMOTE call failed, the pipeline says so, or no
// call-back came in time. A late COMPLETE still wins; Retry goes FAILED → IN_PROGRESS.

const versionLabel = (version: VersionInContext) => `${version.registeredModel.name} ${version.version}`;

/** The transition's author and approver: the people told how the promotion ends. */
async function promotionAudience(tx: Tx, version: Pick<ModelVersion, "promotionTransitionId">): Promise<Array<number | null>> {
  if (version.promotionTransitionId === null) return [];
  const transition = await tx.stageTransition.findUnique({ where: { id: version.promotionTransitionId } });
  return transition ? [transition.authorId, transition.decidedById] : [];
}

async function notifyOutcome(tx: Tx, version: VersionInContext, after: ModelVersion): Promise<void> {
  const audience = await promotionAudience(tx, after);
  const link = { modelVersionId: after.id };
  if (after.promotionStatus === "COMPLETE") {
    const url = modelVersionView(after).forwarding_url;
    await notifyUsers(tx, audience, {
      kind: "PROMOTION_COMPLETE",
      title: `${versionLabel(version)} is deployed`,
      body: url
        ? `The deployment pipeline finished the promotion; it is served at ${url}.`
        : "The deployment pipeline finished the promotion.",
      link,
    });
  } else if (after.promotionStatus === "FAILED") {
    await notifyUsers(tx, audience, {
      kind: "PROMOTION_FAILED",
      title: `Promotion of ${versionLabel(version)} failed`,
      body: `${asSentence(after.promotionMessage ?? "The promotion failed")} Retry from the version page once the cause is fixed.`,
      link,
    });
  }
}

/** Moves a promotion to its end state, tells its people, and records the change as an UPDATE event. */
async function settlePromotion(
  tx: Tx,
  events: PendingEvents,
  version: VersionInContext,
  status: "COMPLETE" | "FAILED",
  message: string | null,
  extra: Prisma.ModelVersionUpdateInput = {},
): Promise<ModelVersion> {
  const after = await tx.modelVersion.update({
    where: { id: version.id },
    data: { promotionStatus: status, promotionMessage: message, promotionUpdatedAt: new Date(), ...extra },
  });
  await notifyOutcome(tx, version, after);
  await events.record(
    tx,
    registryEvent(version.registeredModel.workspaceId, "UPDATE", "MODEL_VERSION", versionEntity(version), versionEntity(after)),
  );
  return after;
}

/**
 * Inside the approval (or retry) transaction: PROMOTE goes out and the promotion is IN_PROGRESS —
 * or, when no ACTIVE webhook of the workspace receives PROMOTE, FAILED at once with the reason.
 */
export async function startPromotion(
  tx: Tx,
  events: PendingEvents,
  /** The version before the change that starts the promotion (the PROMOTE event's original entity). */
  original: ModelVersion,
  version: VersionInContext,
  transition: StageTransition,
  approver: { id: number; email: string },
  comment: string,
): Promise<ModelVersion> {
  const workspace = version.registeredModel.workspace;
  const subscribers = await countSubscribers(tx, {
    workspaceId: workspace.id,
    eventType: "PROMOTE",
    resourceType: "MODEL_VERSION",
    registeredModelId: version.registeredModel.id,
  });
  const started = await tx.modelVersion.update({
    where: { id: version.id },
    data: { promotionStatus: "IN_PROGRESS", promotionMessage: null, promotionUpdatedAt: new Date(), promotionTransitionId: transition.id },
  });
  const recorded = await events.record(
    tx,
    registryEvent(workspace.id, "PROMOTE", "MODEL_VERSION", versionEntity(original), {
      model_version: modelVersionView(started),
      registered_model: { id: version.registeredModel.id, name: version.registeredModel.name },
      transition: { ...transitionView(transition), author_id: transition.authorId, comment },
      approved_by: approver,
    }),
  );
  const withEvent = await tx.modelVersion.update({
    where: { id: version.id },
    data: { promotionEventId: recorded.created ? recorded.id : null },
    include: { registeredModel: { include: { workspace: true } } },
  });
  if (subscribers > 0) return withEvent;
  return settlePromotion(
    tx,
    events,
    withEvent,
    "FAILED",
    `no deployment pipeline is subscribed to promotions in workspace ${workspace.name}: add a webhook for PROMOTE events, then retry`,
  );
}

/**
 * The deployment pipeline's call-back. COMPLETE is accepted while the promotion is in progress
 * and also after it failed (a late call-back still counts); FAILED only while it is in progress.
 */
export async function recordPromotionCallback(
  tx: Tx,
  events: PendingEvents,
  version: VersionInContext,
  callback: { status: "COMPLETE" | "FAILED"; message?: string; redirectMetadata?: string },
): Promise<ModelVersion> {
  const accepted = callback.status === "COMPLETE" ? ["IN_PROGRESS", "FAILED"] : ["IN_PROGRESS"];
  if (!accepted.includes(version.promotionStatus)) {
    throw failedPrecondition(
      `model version ${version.id} has no promotion in progress (promotion_status is ${version.promotionStatus})`,
      "promotion_status",
    );
  }
  return settlePromotion(tx, events, version, callback.status, callback.message ?? null, {
    ...(callback.redirectMetadata !== undefined ? { redirectMetadata: callback.redirectMetadata } : {}),
  });
}

/** POST …/promotion/retry: a new PROMOTE (new uuid) for a version in PRODUCTION whose promotion failed. */
export async function retryPromotion(deps: RegistryDeps, principal: Principal, versionId: number): Promise<ModelVersion> {
  return changeWithEvents(deps, async (tx, events) => {
    await visibleVersion(tx, principal, versionId);
    await lockVersion(tx, versionId);
    const version = await visibleVersion(tx, principal, versionId); // re-read under the lock
    if (version.promotionStatus !== "FAILED" || version.stage !== "PRODUCTION") {
      throw failedPrecondition(
        `only a failed promotion of a version in PRODUCTION can be retried; model version ${versionId} is in ${version.stage} with promotion_status ${version.promotionStatus}`,
      );
    }
    if (!(await isFlagEnabled(tx, version.registeredModel.workspaceId, "PROMOTION_EVENTS"))) {
      throw failedPrecondition(`promotion events are off in workspace ${version.registeredModel.workspace.name}`);
    }
    const transition = version.promotionTransitionId
      ? await tx.stageTransition.findUnique({ where: { id: version.promotionTransitionId }, include: { decidedBy: true } })
      : null;
    if (!transition) throw failedPrecondition(`model version ${versionId} has no approved transition to PRODUCTION to retry`);
    const approval = await tx.stageActivity.findFirst({
      where: { transitionId: transition.id, authorId: transition.decidedById ?? undefined },
      orderBy: { id: "desc" },
    });
    const approver = transition.decidedBy
      ? { id: transition.decidedBy.id, email: transition.decidedBy.email }
      : { id: principal.userId, email: principal.email };
    return startPromotion(tx, events, version, version, transition, approver, approval?.comment ?? "");
  });
}

async function versionOfPromotion(tx: Tx, eventId: number): Promise<VersionInContext | undefined> {
  const found = await tx.modelVersion.findFirst({ where: { promotionEventId: eventId }, select: { id: true } });
  if (!found) return undefined;
  await lockVersion(tx, found.id);
  // Re-read under the lock: concurrent failures of two calls each see the other's outcome in turn.
  const version = await tx.modelVersion.findUnique({
    where: { id: found.id },
    include: { registeredModel: { include: { workspace: true } } },
  });
  return version?.promotionEventId === eventId ? version : undefined;
}

/** A PROMOTE call failed for good: when every call of that promotion's event has, the promotion fails. */
export const failPromotionWhenEveryCallFailed: CallFailureReaction = async (tx, failed, events) => {
  if (failed.eventType !== "PROMOTE") return;
  const version = await versionOfPromotion(tx, failed.eventId);
  if (version?.promotionStatus !== "IN_PROGRESS") return;
  const open = await tx.webhookCall.count({ where: { eventId: failed.eventId, status: { not: "FAILURE" } } });
  if (open > 0) return;
  await settlePromotion(
    tx,
    events,
    version,
    "FAILED",
    `the deployment pipeline (webhook "${failed.webhookName}") ${describeFailure(failed)}`,
  );
};

/**
 * The call-back deadline, run by a delayed job: a promotion still IN_PROGRESS
 * `timeoutMs` after its first PROMOTE call succeeded fails. Answers when to look again if the
 * deadline is not yet known or not yet reached, undefined when there is nothing more to do.
 */
export async function expirePromotion(deps: RegistryDeps, eventId: number, timeoutMs: number): Promise<{ checkAgainAt?: Date }> {
  let checkAgainAt: Date | undefined;
  await changeWithEvents(deps, async (tx, events) => {
    const version = await versionOfPromotion(tx, eventId);
    if (version?.promotionStatus !== "IN_PROGRESS") return;
    const delivered = await tx.webhookCallAttempt.findFirst({
      where: { call: { eventId }, statusCode: { gte: 200, lt: 300 } },
      orderBy: { startedAt: "asc" },
      select: { startedAt: true },
    });
    if (!delivered) {
      // Still being retried (every call failing ends it through the failure reaction instead).
      checkAgainAt = new Date(Date.now() + timeoutMs);
      return;
    }
    const deadline = delivered.startedAt.getTime() + timeoutMs;
    if (Date.now() < deadline) {
      checkAgainAt = new Date(deadline);
      return;
    }
    await settlePromotion(
      tx,
      events,
      version,
      "FAILED",
      `no call-back from the deployment pipeline within ${describeDuration(timeoutMs)} of delivering the promotion`,
    );
  });
  return checkAgainAt ? { checkAgainAt } : {};
}

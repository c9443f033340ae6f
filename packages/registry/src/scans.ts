import { failedPrecondition, notFound } from "@modelhooks/contracts";
import type { Build, Prisma } from "@modelhooks/db";
import type { PendingEvents } from "@modelhooks/events";
import { canSeeWorkspace, isFlagEnabled, type Principal } from "@modelhooks/identity";
import { asSentence, notifyUsers } from "@modelhooks/notifications";
import { countSubscribers, describeFailure, type CallFailureReaction } from "@modelhooks/webhooks";
import { describeDuration } from "./durations.js";
import { registryEvent } from "./registry-events.js";
import { changeWithEvents, lockVersion, type RegistryDeps, type Tx } from "./registry-deps.js";
import { buildView } from "./views.js";

// The scan lifecycle (docs/lifecycles.md): unscanned → building (a scan asked for while the build
// runs) → scanning (REQUEST_SCAN went out) → scanned (safe/unsafe, by the scanner's call-back),
// or error with a message: the build failed, nobody is subscribed to REQUEST_SCAN, every call
// failed, or no result came in time. A new request from error starts over.

export type BuildWithContext = Build & {
  modelVersion: {
    id: number;
    version: string;
    labels: string[];
    registeredModel: { id: number; name: string; workspaceId: number; workspace: { id: number; name: string } };
  };
};

export const buildContext = { modelVersion: { include: { registeredModel: { include: { workspace: true } } } } } as const;

export async function visibleBuild(tx: Tx | RegistryDeps["db"], principal: Principal, id: number): Promise<BuildWithContext> {
  const build = await tx.build.findUnique({ where: { id }, include: buildContext });
  if (!build || !canSeeWorkspace(principal, build.modelVersion.registeredModel.workspaceId)) throw notFound(`build ${id}`);
  return build;
}

const scanLabel = (build: BuildWithContext) =>
  `${build.modelVersion.registeredModel.name} ${build.modelVersion.version} (build ${build.id})`;

/** Tells whoever asked for the scan how it ended, inside the transaction of that change. */
async function notifyScanOutcome(tx: Tx, build: BuildWithContext, after: Build): Promise<void> {
  const link = { modelVersionId: build.modelVersion.id, buildId: build.id };
  const label = scanLabel(build);
  if (after.scanStatus === "ERROR") {
    await notifyUsers(tx, [after.scanRequestedById], {
      kind: "SCAN_ERROR",
      title: `Scan of ${label} did not finish`,
      body: `${asSentence(after.scanMessage ?? "The scan ended in error")} Request the scan again once the cause is fixed.`,
      link,
    });
  } else if (after.scanStatus === "SCANNED") {
    const unsafe = after.safetyStatus === "UNSAFE";
    await notifyUsers(tx, [after.scanRequestedById], {
      kind: unsafe ? "SCAN_UNSAFE" : "SCAN_SAFE",
      title: `Scan of ${label}: ${unsafe ? "unsafe" : "safe"}`,
      body: unsafe
        ? `The security scanner found ${label} unsafe; it cannot be promoted to PRODUCTION. Report: ${after.scanUrl ?? "none given"}`
        : `The security scanner found ${label} safe. Report: ${after.scanUrl ?? "none given"}`,
      link,
    });
  }
}

/** A scan that ended: its requester is told and the build's UPDATE recorded, in the transaction of that change. */
async function recordScanOutcome(tx: Tx, events: PendingEvents, before: BuildWithContext, after: Build): Promise<Build> {
  await notifyScanOutcome(tx, before, after);
  await events.record(
    tx,
    registryEvent(
      before.modelVersion.registeredModel.workspaceId,
      "UPDATE",
      "BUILD",
      { build: buildView(before) },
      { build: buildView(after) },
      // A build's entity names only its version: the model is said here, for scoped webhooks.
      before.modelVersion.registeredModel.id,
    ),
  );
  return after;
}

/** Ends a scan in error with a message, tells its requester, and records the change. */
export async function failScan(
  tx: Tx,
  events: PendingEvents,
  build: BuildWithContext,
  message: string,
  extra: Prisma.BuildUpdateInput = {},
) {
  const after = await tx.build.update({ where: { id: build.id }, data: { scanStatus: "ERROR", scanMessage: message, ...extra } });
  return recordScanOutcome(tx, events, build, after);
}

/**
 * The REQUEST_SCAN event for a ready build (only with SCAN_EVENTS on): what an external scanner
 * needs to pull and scan the image. With no ACTIVE webhook receiving it, the scan ends in error
 * at once, saying so. The previous verdict, if any, stays until the scanner answers.
 */
export async function emitScanRequest(tx: Tx, events: PendingEvents, build: BuildWithContext): Promise<void> {
  const model = build.modelVersion.registeredModel;
  if (!(await isFlagEnabled(tx, model.workspaceId, "SCAN_EVENTS"))) {
    await tx.build.update({ where: { id: build.id }, data: { scanStatus: build.safetyStatus === "UNKNOWN" ? "UNSCANNED" : "SCANNED" } });
    return;
  }
  const scanning = await tx.build.update({
    where: { id: build.id },
    data: { scanStatus: "SCANNING", scanMessage: null, scanStartedAt: new Date() },
    include: buildContext,
  });
  const recorded = await events.record(
    tx,
    registryEvent(model.workspaceId, "REQUEST_SCAN", "BUILD", null, {
      scan_request: { buildId: build.id, imageUrl: build.imageUrl },
      build: buildView(scanning),
      model_version: { id: build.modelVersion.id, version: build.modelVersion.version },
      registered_model: { id: model.id, name: model.name },
    }),
  );
  const withEvent = await tx.build.update({
    where: { id: build.id },
    data: { scanEventId: recorded.created ? recorded.id : null },
    include: buildContext,
  });
  const subscribers = await countSubscribers(tx, {
    workspaceId: model.workspaceId,
    eventType: "REQUEST_SCAN",
    resourceType: "BUILD",
    registeredModelId: model.id,
  });
  if (subscribers === 0) {
    await failScan(
      tx,
      events,
      withEvent,
      `no security scanner is subscribed to scan requests in workspace ${model.workspace.name}: add a webhook for REQUEST_SCAN events, then request the scan again`,
    );
  }
}

/**
 * Asks for an external scan of one build by `requesterId`: now if it is ready, as soon as it is
 * ready otherwise. A failed build is built again (the caller enqueues it when this says so).
 */
export async function requestScanOf(
  tx: Tx,
  events: PendingEvents,
  build: BuildWithContext,
  requesterId: number,
): Promise<{ build: Build; rebuild: boolean }> {
  const request = { scanRequested: true, scanRequestedById: requesterId, scanMessage: null };
  if (build.status === "FAILED") {
    const rebuilt = await tx.build.update({
      where: { id: build.id },
      data: { ...request, status: "BUILDING", buildError: null, finishedAt: null, scanStatus: "BUILDING" },
    });
    return { build: rebuilt, rebuild: true };
  }
  await tx.build.update({ where: { id: build.id }, data: request });
  // Read again under the row lock the update took: a build that became READY meanwhile (its
  // worker committed first and saw no request) is scanned now; one still BUILDING will see ours.
  const current = await tx.build.findUniqueOrThrow({ where: { id: build.id }, include: buildContext });
  if (current.status === "READY") await emitScanRequest(tx, events, current);
  else await tx.build.update({ where: { id: build.id }, data: { scanStatus: "BUILDING" } });
  return { build: await tx.build.findUniqueOrThrow({ where: { id: build.id } }), rebuild: false };
}

/**
 * Why a verdict cannot be accepted now: only a scan that was requested (REQUEST_SCAN went out)
 * and has no verdict yet takes one. A final verdict changes only through a new scan request, so
 * nobody can overwrite "unsafe" with "safe" after the fact.
 */
function verdictRefusal(build: Build): string | undefined {
  switch (build.scanStatus) {
    case "SCANNING":
      return undefined;
    case "SCANNED":
      return `build ${build.id} already has a verdict (${build.safetyStatus.toLowerCase()}); request a new scan to change it`;
    case "ERROR":
      return `the scan of build ${build.id} ended in error (${build.scanMessage ?? "no message"}); request a new scan first`;
    case "BUILDING":
      return `build ${build.id} is still building; its scan has not been requested from a scanner yet`;
    case "UNSCANNED":
      return `no scan of build ${build.id} was requested; request one first`;
  }
}

/** The scanner's verdict, on a build already read under its version's lock. */
export async function recordVerdict(
  tx: Tx,
  events: PendingEvents,
  before: BuildWithContext,
  result: { safety_status: "safe" | "unsafe"; url: string },
) {
  const refusal = verdictRefusal(before);
  if (refusal) throw failedPrecondition(refusal, "build_id");
  const after = await tx.build.update({
    where: { id: before.id },
    data: {
      scanStatus: "SCANNED",
      safetyStatus: result.safety_status === "safe" ? "SAFE" : "UNSAFE",
      scanUrl: result.url,
      scanMessage: null,
    },
  });
  return recordScanOutcome(tx, events, before, after);
}

async function buildOfScan(tx: Tx, eventId: number): Promise<BuildWithContext | undefined> {
  const found = await tx.build.findFirst({ where: { scanEventId: eventId }, select: { modelVersionId: true } });
  if (!found) return undefined;
  await lockVersion(tx, found.modelVersionId);
  const build = await tx.build.findFirst({ where: { scanEventId: eventId }, include: buildContext });
  return build?.scanStatus === "SCANNING" ? build : undefined;
}

/** A REQUEST_SCAN call failed for good: when every call of the scan's event has, the scan ends in error. */
export const failScanWhenEveryCallFailed: CallFailureReaction = async (tx, failed, events) => {
  if (failed.eventType !== "REQUEST_SCAN") return;
  const build = await buildOfScan(tx, failed.eventId);
  if (!build) return;
  const open = await tx.webhookCall.count({ where: { eventId: failed.eventId, status: { not: "FAILURE" } } });
  if (open > 0) return;
  await failScan(tx, events, build, `the security scanner (webhook "${failed.webhookName}") ${describeFailure(failed)}`);
};

/** The result deadline, run by a delayed job: a scan still scanning `timeoutMs` after REQUEST_SCAN went out ends in error. */
export async function expireScan(deps: RegistryDeps, eventId: number, timeoutMs: number): Promise<{ checkAgainAt?: Date }> {
  let checkAgainAt: Date | undefined;
  await changeWithEvents(deps, async (tx, events) => {
    const build = await buildOfScan(tx, eventId);
    if (!build) return;
    const deadline = (build.scanStartedAt ?? build.updatedAt).getTime() + timeoutMs;
    if (Date.now() < deadline) {
      checkAgainAt = new Date(deadline);
      return;
    }
    await failScan(tx, events, build, `no result from the security scanner within ${describeDuration(timeoutMs)}`);
  });
  return checkAgainAt ? { checkAgainAt } : {};
}

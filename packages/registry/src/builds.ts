import type { Build } from "@modelhooks/db";
import { canSeeWorkspace, isFlagEnabled, type Principal } from "@modelhooks/identity";
import { jobIds } from "@modelhooks/queues";
import type { Builder } from "./builder.js";
import { registryEvent } from "./registry-events.js";
import { DomainError, notFound } from "@modelhooks/contracts";
import { changeWithEvents, lockVersion, visibleVersion, visibleWorkspaceByName, type RegistryDeps, type Tx } from "./registry-deps.js";
import type { PendingEvents } from "@modelhooks/events";
import { buildView } from "./views.js";

type BuildWithContext = Build & {
  modelVersion: {
    id: number;
    version: string;
    labels: string[];
    registeredModel: { id: number; name: string; workspaceId: number; workspace: { id: number; name: string } };
  };
};

const buildContext = { modelVersion: { include: { registeredModel: { include: { workspace: true } } } } } as const;

async function visibleBuild(tx: Tx | RegistryDeps["db"], principal: Principal, id: number): Promise<BuildWithContext> {
  const build = await tx.build.findUnique({ where: { id }, include: buildContext });
  if (!build || !canSeeWorkspace(principal, build.modelVersion.registeredModel.workspaceId)) throw notFound(`build ${id}`);
  return build;
}

/**
 * The REQUEST_SCAN event for a ready build (only with SCAN_EVENTS on): what an external scanner
 * needs to pull and scan the image. Returns whether it was emitted.
 */
async function emitScanRequest(tx: Tx, events: PendingEvents, build: BuildWithContext): Promise<boolean> {
  const model = build.modelVersion.registeredModel;
  if (!(await isFlagEnabled(tx, model.workspaceId, "SCAN_EVENTS"))) return false;
  const scanning = await tx.build.update({ where: { id: build.id }, data: { scanStatus: "SCANNING", scanMessage: null } });
  await events.record(
    tx,
    registryEvent(model.workspaceId, "REQUEST_SCAN", "BUILD", null, {
      scan_request: { buildId: build.id, imageUrl: build.imageUrl },
      build: buildView(scanning),
      model_version: { id: build.modelVersion.id, version: build.modelVersion.version },
      registered_model: { id: model.id, name: model.name },
    }),
  );
  return true;
}

async function enqueueBuild(deps: RegistryDeps, buildId: number): Promise<void> {
  try {
    await deps.queues.add("builds", `build ${buildId}`, { buildId }, { jobId: jobIds.build(buildId) });
  } catch (error) {
    // The build row is recorded; the relay's sweep of stalled builds enqueues it once Redis is back.
    deps.logger.warn("build recorded but not enqueued", { buildId, error: (error as Error).message });
  }
}

/** Asks for an external scan of one build: now if it is ready, as soon as it is ready otherwise. */
async function requestScanOf(tx: Tx, events: PendingEvents, build: BuildWithContext): Promise<Build> {
  if (build.status === "FAILED")
    throw new DomainError(
      "failed_precondition",
      `build ${build.id} failed and cannot be scanned: ${build.buildError ?? "unknown error"}`,
      "build_id",
    );
  await tx.build.update({ where: { id: build.id }, data: { scanRequested: true } });
  // Read again under the row lock the update took: a build that became READY meanwhile (its
  // worker committed first and saw no request) is scanned now; one still BUILDING will see ours.
  const current = await tx.build.findUniqueOrThrow({ where: { id: build.id }, include: buildContext });
  if (current.status === "READY") await emitScanRequest(tx, events, current);
  return tx.build.findUniqueOrThrow({ where: { id: build.id } });
}

/**
 * The model version page's "request scan" button: reuses the version's latest build unless it
 * failed; otherwise starts one. Serialised per version, so two clicks start one build.
 */
export async function requestVersionScan(deps: RegistryDeps, principal: Principal, versionId: number): Promise<Build> {
  let started: number | undefined;
  const build = await changeWithEvents(deps, async (tx, events) => {
    const version = await visibleVersion(tx, principal, versionId);
    await lockVersion(tx, version.id);
    const latest = await tx.build.findFirst({
      where: { modelVersionId: version.id },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      include: buildContext,
    });
    if (latest && latest.status !== "FAILED") return requestScanOf(tx, events, latest);
    const created = await tx.build.create({ data: { modelVersionId: version.id, scanRequested: true } });
    started = created.id;
    return created;
  });
  if (started !== undefined) await enqueueBuild(deps, started);
  return build;
}

/** Verta's POST /deployment/workspace/{ws}/builds: always a new build. */
export async function createBuild(
  deps: RegistryDeps,
  principal: Principal,
  workspaceName: string,
  input: { model_version_id: number; scan_external: boolean },
): Promise<Build> {
  const build = await changeWithEvents(deps, async (tx) => {
    const workspace = await visibleWorkspaceByName(tx, principal, workspaceName);
    const version = await visibleVersion(tx, principal, input.model_version_id);
    if (version.registeredModel.workspaceId !== workspace.id)
      throw notFound(`model version ${input.model_version_id} in workspace ${workspaceName}`);
    return tx.build.create({ data: { modelVersionId: version.id, scanRequested: input.scan_external } });
  });
  await enqueueBuild(deps, build.id);
  return build;
}

async function buildInWorkspace(tx: Tx, principal: Principal, workspaceName: string, buildId: number): Promise<BuildWithContext> {
  const workspace = await visibleWorkspaceByName(tx, principal, workspaceName);
  const build = await visibleBuild(tx, principal, buildId);
  if (build.modelVersion.registeredModel.workspaceId !== workspace.id) throw notFound(`build ${buildId} in workspace ${workspaceName}`);
  return build;
}

/** Verta's POST /deployment/workspace/{ws}/builds/{id}/scan {"scan_external": true}. */
export async function requestBuildScan(deps: RegistryDeps, principal: Principal, workspaceName: string, buildId: number): Promise<Build> {
  return changeWithEvents(deps, async (tx, events) => {
    const build = await buildInWorkspace(tx, principal, workspaceName, buildId);
    await lockVersion(tx, build.modelVersionId);
    return requestScanOf(tx, events, await visibleBuild(tx, principal, buildId));
  });
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
    case "UNSCANNED":
      return build.status === "BUILDING"
        ? `build ${build.id} is still building; its scan has not been requested from a scanner yet`
        : `no scan of build ${build.id} was requested; request one first`;
  }
}

/** The scanner's call-back (Verta's PUT /deployment/workspace/{ws}/builds/{id}/scan). */
export async function recordScanResult(
  deps: RegistryDeps,
  principal: Principal,
  workspaceName: string,
  buildId: number,
  result: { safety_status: "safe" | "unsafe"; url: string },
): Promise<Build> {
  return changeWithEvents(deps, async (tx, events) => {
    const found = await buildInWorkspace(tx, principal, workspaceName, buildId);
    await lockVersion(tx, found.modelVersionId);
    const before = await visibleBuild(tx, principal, buildId); // re-read under the lock: two verdicts never both land
    const refusal = verdictRefusal(before);
    if (refusal) throw new DomainError("failed_precondition", refusal, "build_id");
    const after = await tx.build.update({
      where: { id: buildId },
      data: {
        scanStatus: "SCANNED",
        safetyStatus: result.safety_status === "safe" ? "SAFE" : "UNSAFE",
        scanUrl: result.url,
        scanMessage: null,
      },
    });
    await events.record(
      tx,
      registryEvent(
        before.modelVersion.registeredModel.workspaceId,
        "UPDATE",
        "BUILD",
        { build: buildView(before) },
        { build: buildView(after) },
      ),
    );
    return after;
  });
}

export async function getBuild(deps: RegistryDeps, principal: Principal, buildId: number): Promise<Build> {
  return visibleBuild(deps.db, principal, buildId);
}

/**
 * The delayed "build then notify" step, run by the builds worker. Safe to re-run: a build that
 * is no longer BUILDING is left alone. A builder failure is recorded on the build (readable as
 * the scan's error) and emits nothing; a database failure throws, so bullmq retries.
 */
export async function runBuild(
  deps: RegistryDeps,
  builder: Builder,
  buildId: number,
  signal?: AbortSignal,
): Promise<"ready" | "failed" | "skipped"> {
  const build = await deps.db.build.findUnique({ where: { id: buildId }, include: buildContext });
  if (!build || build.status !== "BUILDING") return "skipped";
  const model = build.modelVersion.registeredModel;
  let imageUrl: string;
  try {
    ({ imageUrl } = await builder.build(
      {
        buildId,
        workspaceName: model.workspace.name,
        modelName: model.name,
        version: build.modelVersion.version,
        labels: build.modelVersion.labels,
      },
      signal,
    ));
  } catch (error) {
    if (signal?.aborted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    await deps.db.build.update({
      where: { id: buildId },
      data: {
        status: "FAILED",
        buildError: message,
        finishedAt: new Date(),
        ...(build.scanRequested ? { scanStatus: "ERROR", scanMessage: `build failed: ${message}` } : {}),
      },
    });
    deps.logger.warn("build failed", { buildId, error: message });
    return "failed";
  }
  await changeWithEvents(deps, async (tx, events) => {
    const ready = await tx.build.update({
      where: { id: buildId },
      data: { status: "READY", imageUrl, finishedAt: new Date() },
      include: buildContext,
    });
    if (ready.scanRequested) await emitScanRequest(tx, events, ready);
  });
  deps.logger.info("build ready", { buildId, imageUrl });
  return "ready";
}

/** Builds left BUILDING with no job (Redis lost it, or it never got there) get their job back. */
export async function recoverStalledBuilds(deps: RegistryDeps, graceMs: number, batchSize = 100): Promise<number> {
  const stalled = await deps.db.build.findMany({
    where: { status: "BUILDING", updatedAt: { lt: new Date(Date.now() - graceMs) } },
    select: { id: true },
    take: batchSize,
  });
  let recovered = 0;
  for (const build of stalled) {
    if ((await deps.queues.ensureJob("builds", `build ${build.id}`, { buildId: build.id }, jobIds.build(build.id))) !== "present")
      recovered += 1;
  }
  if (recovered > 0) deps.logger.info("re-enqueued stalled builds", { recovered });
  return recovered;
}

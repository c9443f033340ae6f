import { notFound } from "@modelhooks/contracts";
import type { Build } from "@modelhooks/db";
import type { Principal } from "@modelhooks/identity";
import { jobIds } from "@modelhooks/queues";
import type { Builder } from "./builder.js";
import { changeWithEvents, lockVersion, visibleVersion, visibleWorkspaceByName, type RegistryDeps, type Tx } from "./registry-deps.js";
import { buildContext, emitScanRequest, failScan, recordVerdict, requestScanOf, visibleBuild, type BuildWithContext } from "./scans.js";

async function enqueueBuild(deps: RegistryDeps, buildId: number): Promise<void> {
  try {
    // ensureJob: a rebuilt build's earlier job may still be kept as completed under the same id.
    await deps.queues.ensureJob("builds", `build ${buildId}`, { buildId }, jobIds.build(buildId));
  } catch (error) {
    // The build row is recorded; the relay's sweep of stalled builds enqueues it once Redis is back.
    deps.logger.warn("build recorded but not enqueued", { buildId, error: (error as Error).message });
  }
}

/**
 * The model version page's "request scan" button: reuses the version's latest build unless it
 * failed; otherwise starts one. Serialised per version, so two clicks start one build.
 */
export async function requestVersionScan(deps: RegistryDeps, principal: Principal, versionId: number): Promise<Build> {
  let toBuild: number | undefined;
  const build = await changeWithEvents(deps, async (tx, events) => {
    const version = await visibleVersion(tx, principal, versionId);
    await lockVersion(tx, version.id);
    const latest = await tx.build.findFirst({
      where: { modelVersionId: version.id },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      include: buildContext,
    });
    if (latest && latest.status !== "FAILED") return (await requestScanOf(tx, events, latest, principal.userId)).build;
    const created = await tx.build.create({
      data: { modelVersionId: version.id, scanRequested: true, scanStatus: "BUILDING", scanRequestedById: principal.userId },
    });
    toBuild = created.id;
    return created;
  });
  if (toBuild !== undefined) await enqueueBuild(deps, toBuild);
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
    return tx.build.create({
      data: {
        modelVersionId: version.id,
        scanRequested: input.scan_external,
        ...(input.scan_external ? { scanStatus: "BUILDING", scanRequestedById: principal.userId } : {}),
      },
    });
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

/** Verta's POST /deployment/workspace/{ws}/builds/{id}/scan {"scan_external": true}; a failed build is built again. */
export async function requestBuildScan(deps: RegistryDeps, principal: Principal, workspaceName: string, buildId: number): Promise<Build> {
  const { build, rebuild } = await changeWithEvents(deps, async (tx, events) => {
    const found = await buildInWorkspace(tx, principal, workspaceName, buildId);
    await lockVersion(tx, found.modelVersionId);
    return requestScanOf(tx, events, await visibleBuild(tx, principal, buildId), principal.userId);
  });
  if (rebuild) await enqueueBuild(deps, build.id);
  return build;
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
    // Re-read under the lock: two verdicts never both land.
    return recordVerdict(tx, events, await visibleBuild(tx, principal, buildId), result);
  });
}

export async function getBuild(deps: RegistryDeps, principal: Principal, buildId: number): Promise<Build> {
  return visibleBuild(deps.db, principal, buildId);
}

/** A version's builds, newest first. */
export async function listBuilds(deps: RegistryDeps, principal: Principal, versionId: number): Promise<Build[]> {
  const version = await visibleVersion(deps.db, principal, versionId);
  return deps.db.build.findMany({ where: { modelVersionId: version.id }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
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
    await changeWithEvents(deps, async (tx, events) => {
      const failed = { status: "FAILED", buildError: message, finishedAt: new Date() } as const;
      if (build.scanRequested) await failScan(tx, events, build, `build failed: ${message}`, failed);
      else await tx.build.update({ where: { id: buildId }, data: failed });
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

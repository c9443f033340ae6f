import type { Build } from "@modelhooks/db";
import type { Tx } from "./registry-deps.js";

type Reader = Pick<Tx, "build">;

/** The build whose scan decides a version's eligibility: its newest. */
export function latestBuild(db: Reader, versionId: number): Promise<Build | null> {
  return db.build.findFirst({ where: { modelVersionId: versionId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
}

/** Why a build's scan keeps its version out of PRODUCTION, or undefined when it does not. */
export function blockerOf(build: Build | null, versionId: number, requireSafeScan: boolean): string | undefined {
  if (build?.safetyStatus === "UNSAFE") return `build ${build.id} of model version ${versionId} was scanned unsafe`;
  if (requireSafeScan && build?.safetyStatus !== "SAFE") {
    return build
      ? `the workspace requires a safe scan and build ${build.id} has scan status ${build.scanStatus.toLowerCase()}`
      : "the workspace requires a safe scan and the version has no build";
  }
  return undefined;
}

/**
 * Why a version may not go to PRODUCTION: its latest build was scanned unsafe, or the workspace
 * requires a safe scan and the latest build has none. The same rule answers approve (409) and
 * the version page (`promotion_eligible`).
 */
export async function productionBlocker(tx: Reader, versionId: number, requireSafeScan: boolean): Promise<string | undefined> {
  return blockerOf(await latestBuild(tx, versionId), versionId, requireSafeScan);
}

import type { Build, ModelVersion, RegisteredModel, StageActivity, StageTransition } from "@modelhooks/db";

const ms = (date: Date) => date.getTime();

/** Verta's RegisteredModel. */
export function registeredModelView(model: RegisteredModel) {
  return {
    id: model.id,
    workspace_id: model.workspaceId,
    name: model.name,
    description: model.description,
    labels: model.labels,
    time_created: ms(model.createdAt),
    time_updated: ms(model.updatedAt),
  };
}

function forwardingUrl(redirectMetadata: string | null): string | undefined {
  if (!redirectMetadata) return undefined;
  try {
    const parsed = JSON.parse(redirectMetadata) as { url?: unknown };
    return typeof parsed.url === "string" ? parsed.url : undefined;
  } catch {
    return undefined;
  }
}

/** Verta's ModelVersion, plus `forwarding_url` read from redirect_metadata for display. */
export function modelVersionView(version: ModelVersion) {
  const url = forwardingUrl(version.redirectMetadata);
  return {
    id: version.id,
    registered_model_id: version.registeredModelId,
    version: version.version,
    description: version.description,
    labels: version.labels,
    stage: version.stage,
    promotion_status: version.promotionStatus,
    ...(version.promotionMessage ? { promotion_message: version.promotionMessage } : {}),
    // Ours (ISO-8601, like everything that is not Verta's message): when the promotion last changed.
    ...(version.promotionUpdatedAt ? { promotion_updated_at: version.promotionUpdatedAt.toISOString() } : {}),
    redirect_metadata: version.redirectMetadata ?? "",
    ...(url ? { forwarding_url: url } : {}),
    time_created: ms(version.createdAt),
    time_updated: ms(version.updatedAt),
  };
}

export function transitionView(transition: StageTransition) {
  return { id: transition.id, source_stage: transition.sourceStage, desired_stage: transition.desiredStage, state: transition.state };
}

/** Verta's Activity. */
export function activityView(activity: StageActivity & { transition: StageTransition | null }) {
  return {
    id: activity.id,
    model_version_id: activity.modelVersionId,
    author_id: activity.authorId,
    time_created: ms(activity.createdAt),
    comment: activity.comment,
    ...(activity.transition ? { transition: transitionView(activity.transition) } : {}),
  };
}

const BUILD_STATUS = { BUILDING: "building", READY: "finished", FAILED: "error" } as const;

export function buildView(build: Build) {
  return {
    id: build.id,
    model_version_id: build.modelVersionId,
    status: BUILD_STATUS[build.status],
    ...(build.imageUrl ? { image_url: build.imageUrl } : {}),
    ...(build.buildError ? { message: build.buildError } : {}),
    scan_status: build.scanStatus.toLowerCase(),
    safety_status: build.safetyStatus.toLowerCase(),
    scan: buildScanView(build),
    date_created: build.createdAt.toISOString(),
    date_updated: build.updatedAt.toISOString(),
  };
}

/** The scan part of a build, as the version page shows it. */
function buildScanView(build: Build) {
  return {
    scan_status: build.scanStatus.toLowerCase(),
    safety_status: build.safetyStatus.toLowerCase(),
    ...(build.scanUrl ? { url: build.scanUrl } : {}),
    ...(build.scanMessage ? { message: build.scanMessage } : {}),
    date_updated: build.updatedAt.toISOString(),
  };
}

/** GET /deployment/builds/{id}/scan, as Verta answers it. */
export function scanView(build: Build) {
  return {
    build_id: build.id,
    scan_status: build.scanStatus.toLowerCase(),
    safety_status: build.safetyStatus.toLowerCase(),
    date_updated: build.updatedAt.toISOString(),
    ...(build.scanMessage ? { message: build.scanMessage } : {}),
    scan_external_status: { safety_status: build.safetyStatus.toLowerCase(), url: build.scanUrl ?? "" },
  };
}

/**
 * The version page in one answer: the version, its latest build with the scan, and whether it
 * may go to PRODUCTION (and why not).
 */
export function versionPageView(version: ModelVersion, latest: Build | null, blocker: string | undefined) {
  return {
    ...modelVersionView(version),
    latest_build: latest ? buildView(latest) : null,
    promotion_eligible: blocker === undefined,
    ...(blocker ? { promotion_ineligible_reason: `cannot be promoted to PRODUCTION: ${blocker}` } : {}),
  };
}

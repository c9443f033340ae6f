export { type RegistryDeps } from "./registry-deps.js";
export { registeredModelView, modelVersionView, versionPageView, activityView, buildView, scanView } from "./views.js";
export {
  createRegisteredModel,
  findRegisteredModelByName,
  getRegisteredModel,
  getModelVersion,
  getVersionPage,
  updateRegisteredModel,
  deleteRegisteredModel,
  createModelVersion,
  updateModelVersion,
  deleteModelVersion,
  type ModelFields,
  type VersionFields,
  type PromotionCallback,
} from "./models.js";
export { createTransition, approveTransition, rejectTransition, closeTransition, updateStage, findTransitions } from "./stages.js";
export {
  requestVersionScan,
  createBuild,
  requestBuildScan,
  recordScanResult,
  getBuild,
  listBuilds,
  runBuild,
  recoverStalledBuilds,
} from "./builds.js";
export { retryPromotion, expirePromotion, failPromotionWhenEveryCallFailed } from "./promotions.js";
export { expireScan, failScanWhenEveryCallFailed } from "./scans.js";
export { listRegisteredModels, listModelVersions } from "./listings.js";
export { describeDuration } from "./durations.js";
export {
  SimulatedBuilder,
  createBuilder,
  BuildFailedError,
  SIMULATE_BUILD_FAILURE_LABEL,
  type Builder,
  type BuildRequest,
} from "./builder.js";
export { scheduleDeadline, checkDeadline, type DeadlineSettings } from "./deadlines.js";

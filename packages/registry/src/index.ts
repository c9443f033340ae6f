export { type RegistryDeps } from "./registry-deps.js";
export { registeredModelView, modelVersionView, activityView, buildView, scanView } from "./views.js";
export {
  createRegisteredModel,
  findRegisteredModelByName,
  getRegisteredModel,
  getModelVersion,
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
export { requestVersionScan, createBuild, requestBuildScan, recordScanResult, getBuild, runBuild, recoverStalledBuilds } from "./builds.js";
export { SimulatedBuilder, BuildFailedError, SIMULATE_BUILD_FAILURE_LABEL, type Builder, type BuildRequest } from "./builder.js";

import type { ModelVersion, RegisteredModel } from "@modelhooks/db";
import { modelVersionView, registeredModelView } from "./views.js";

export { makeEvent as registryEvent } from "@modelhooks/events";

export const modelEntity = (model: RegisteredModel | null) => (model ? { registered_model: registeredModelView(model) } : null);
export const versionEntity = (version: ModelVersion | null) => (version ? { model_version: modelVersionView(version) } : null);

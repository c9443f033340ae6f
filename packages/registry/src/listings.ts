import { pageWindow, type Page } from "@modelhooks/db";
import type { Principal } from "@modelhooks/identity";
import { visibleModel, visibleWorkspaceByName, type RegistryDeps } from "./registry-deps.js";

/** A workspace's registered models by name, for the console's model list. */
export async function listRegisteredModels(deps: RegistryDeps, principal: Principal, workspaceName: string, page: Page) {
  const workspace = await visibleWorkspaceByName(deps.db, principal, workspaceName);
  const where = { workspaceId: workspace.id };
  const [models, total] = await Promise.all([
    deps.db.registeredModel.findMany({ where, orderBy: [{ name: "asc" }, { id: "asc" }], ...pageWindow(page) }),
    deps.db.registeredModel.count({ where }),
  ]);
  return { models, total };
}

/** A registered model's versions, newest first. */
export async function listModelVersions(deps: RegistryDeps, principal: Principal, modelId: number, page: Page) {
  const model = await visibleModel(deps.db, principal, modelId);
  const where = { registeredModelId: model.id };
  const [versions, total] = await Promise.all([
    deps.db.modelVersion.findMany({ where, orderBy: { id: "desc" }, ...pageWindow(page) }),
    deps.db.modelVersion.count({ where }),
  ]);
  return { versions, total };
}

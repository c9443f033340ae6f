import {
  createModelVersion,
  createRegisteredModel,
  deleteModelVersion,
  deleteRegisteredModel,
  findRegisteredModelByName,
  getBuild,
  getVersionPage,
  listBuilds,
  listModelVersions,
  listRegisteredModels,
  retryPromotion,
  buildView,
  versionPageView,
  getRegisteredModel,
  modelVersionView,
  registeredModelView,
  requestVersionScan,
  updateModelVersion,
  updateRegisteredModel,
} from "@modelhooks/registry";
import { badRequest } from "../http-errors.js";
import { defineRoute } from "../route-table.js";
import {
  createModelVersionBody,
  createRegisteredModelBody,
  modelByNameParams,
  modelIdParams,
  modelVersionParams,
  pageOfQuery,
  pageQuery,
  updateModelVersionBody,
  updateRegisteredModelBody,
  versionIdParams,
  workspaceNameParams,
} from "@modelhooks/contracts";

const wrapModel = (model: Parameters<typeof registeredModelView>[0]) => ({ registered_model: registeredModelView(model) });
const wrapVersion = (version: Parameters<typeof modelVersionView>[0]) => ({ model_version: modelVersionView(version) });

/** Verta's bodies repeat the path's ids; one that names another entity is refused rather than ignored. */
function requireIdsOfPath(body: Record<string, unknown>, pathIds: Record<string, number>) {
  for (const [field, value] of Object.entries(pathIds)) {
    if (body[field] !== undefined && body[field] !== value)
      throw badRequest(`${field}: does not match the path`, [{ path: field, message: "does not match the path" }]);
  }
}

/** Verta's registry routes (docs/api.md): the body is the entity, the answer wraps it. Members only. */
export const registryRoutes = [
  defineRoute({
    method: "post",
    path: "/workspaces/:workspace_name/registered_models",
    summary: "Register a model in a workspace (emits CREATE)",
    access: "member",
    params: workspaceNameParams,
    body: createRegisteredModelBody,
    handler: async ({ deps, principal, params, body }) =>
      wrapModel(await createRegisteredModel(deps, principal, params.workspace_name, body)),
  }),
  defineRoute({
    method: "get",
    path: "/workspaces/:workspace_name/registered_models",
    summary: "A workspace's registered models by name, paginated",
    access: "member",
    params: workspaceNameParams,
    query: pageQuery,
    handler: async ({ deps, principal, params, query }) => {
      const { models, total } = await listRegisteredModels(deps, principal, params.workspace_name, pageOfQuery(query));
      return { registered_models: models.map(registeredModelView), total_records: total };
    },
  }),
  defineRoute({
    method: "get",
    path: "/workspaces/:workspace_name/registered_models/:name",
    summary: "A registered model by workspace and name",
    access: "member",
    params: modelByNameParams,
    handler: async ({ deps, principal, params }) =>
      wrapModel(await findRegisteredModelByName(deps, principal, params.workspace_name, params.name)),
  }),
  defineRoute({
    method: "get",
    path: "/registered_models/:rm_id",
    summary: "A registered model by id",
    access: "member",
    params: modelIdParams,
    handler: async ({ deps, principal, params }) => wrapModel(await getRegisteredModel(deps, principal, params.rm_id)),
  }),
  defineRoute({
    method: "patch",
    path: "/registered_models/:rm_id",
    summary: "Change a registered model (emits UPDATE)",
    access: "member",
    params: modelIdParams,
    body: updateRegisteredModelBody,
    handler: async ({ deps, principal, params, body }) => {
      requireIdsOfPath(body, { id: params.rm_id });
      return wrapModel(await updateRegisteredModel(deps, principal, params.rm_id, body));
    },
  }),
  defineRoute({
    method: "delete",
    path: "/registered_models/:rm_id",
    summary: "Delete a registered model and its versions (emits DELETE)",
    access: "member",
    params: modelIdParams,
    handler: async ({ deps, principal, params }) => {
      await deleteRegisteredModel(deps, principal, params.rm_id);
      return {};
    },
  }),
  defineRoute({
    method: "post",
    path: "/registered_models/:rm_id/model_versions",
    summary: "Add a version to a registered model (emits CREATE)",
    access: "member",
    params: modelIdParams,
    body: createModelVersionBody,
    handler: async ({ deps, principal, params, body }) => wrapVersion(await createModelVersion(deps, principal, params.rm_id, body)),
  }),
  defineRoute({
    method: "get",
    path: "/registered_models/:rm_id/model_versions",
    summary: "A registered model's versions, newest first, paginated",
    access: "member",
    params: modelIdParams,
    query: pageQuery,
    handler: async ({ deps, principal, params, query }) => {
      const { versions, total } = await listModelVersions(deps, principal, params.rm_id, pageOfQuery(query));
      return { model_versions: versions.map(modelVersionView), total_records: total };
    },
  }),
  defineRoute({
    method: "get",
    path: "/model_versions/:mv_id",
    summary:
      "A model version as its page shows it: promotion status and forwarding address, latest build and scan, whether it may go to PRODUCTION",
    access: "member",
    params: versionIdParams,
    handler: async ({ deps, principal, params }) => {
      const page = await getVersionPage(deps, principal, params.mv_id);
      return { model_version: versionPageView(page.version, page.latest, page.blocker) };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/registered_models/:rm_id/model_versions/:mv_id",
    summary:
      "Change a version; the deployment pipeline's call-back sets promotion_status COMPLETE (with redirect_metadata) or FAILED (emits UPDATE)",
    access: "member",
    params: modelVersionParams,
    body: updateModelVersionBody,
    handler: async ({ deps, principal, params, body }) => {
      requireIdsOfPath(body, { id: params.mv_id, registered_model_id: params.rm_id });
      return wrapVersion(await updateModelVersion(deps, principal, params.rm_id, params.mv_id, body));
    },
  }),
  defineRoute({
    method: "delete",
    path: "/model_versions/:mv_id",
    summary: "Delete a model version (emits DELETE)",
    access: "member",
    params: versionIdParams,
    handler: async ({ deps, principal, params }) => {
      await deleteModelVersion(deps, principal, params.mv_id);
      return {};
    },
  }),
  defineRoute({
    method: "post",
    path: "/model_versions/:mv_id/scan",
    summary: "Request a security scan: reuses the latest good build or starts one; REQUEST_SCAN goes out when the build is ready",
    access: "member",
    params: versionIdParams,
    handler: async ({ deps, principal, params }) => {
      const build = await requestVersionScan(deps, principal, params.mv_id);
      return { build_id: build.id, scan_status: (await getBuild(deps, principal, build.id)).scanStatus.toLowerCase() };
    },
  }),
  defineRoute({
    method: "get",
    path: "/model_versions/:mv_id/builds",
    summary: "A model version's builds, newest first",
    access: "member",
    params: versionIdParams,
    handler: async ({ deps, principal, params }) => ({ builds: (await listBuilds(deps, principal, params.mv_id)).map(buildView) }),
  }),
  defineRoute({
    method: "post",
    path: "/model_versions/:mv_id/promotion/retry",
    summary:
      "Promote again after a failed promotion: a new PROMOTE event, promotion_status IN_PROGRESS (409 unless FAILED and in PRODUCTION)",
    access: "member",
    params: versionIdParams,
    handler: async ({ deps, principal, params }) => wrapVersion(await retryPromotion(deps, principal, params.mv_id)),
  }),
];

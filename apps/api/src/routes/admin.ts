import {
  createUserBody,
  createWorkspaceBody,
  featureFlagBody,
  featureFlagParams,
  pageOfQuery,
  pageQuery,
  workspaceIdParams,
  workspaceSettingsBody,
} from "@modelhooks/contracts";
import { createUser, createWorkspace, listUsers, listWorkspaces, setFeatureFlag, updateWorkspaceSettings } from "@modelhooks/identity";
import { defineRoute } from "../route-table.js";

export const adminRoutes = [
  defineRoute({
    method: "get",
    path: "/workspaces",
    summary: "Every workspace with its feature flags and settings (system admin)",
    access: "admin",
    handler: async ({ deps }) => ({ workspaces: await listWorkspaces(deps.db) }),
  }),
  defineRoute({
    method: "get",
    path: "/users",
    summary: "Users by email with their workspaces, paginated; keys are never answered (system admin)",
    access: "admin",
    query: pageQuery,
    handler: async ({ deps, query }) => {
      const { users, total } = await listUsers(deps.db, pageOfQuery(query));
      return { users, total_records: total };
    },
  }),
  defineRoute({
    method: "post",
    path: "/workspaces",
    summary: "Create a workspace (system admin)",
    access: "admin",
    body: createWorkspaceBody,
    handler: async ({ deps, body }) => createWorkspace(deps.db, body.name),
  }),
  defineRoute({
    method: "post",
    path: "/users",
    summary: "Create a user; the developer key is shown this once (system admin)",
    access: "admin",
    body: createUserBody,
    handler: async ({ deps, body }) => {
      const user = await createUser(deps.db, { email: body.email, workspaceIds: body.workspace_ids, systemAdmin: body.system_admin });
      return { id: user.id, email: user.email, developer_key: user.developerKey };
    },
  }),
  defineRoute({
    method: "put",
    path: "/workspaces/:workspace_id/feature-flags/:flag",
    summary: "Switch a workspace's feature flag (system admin)",
    access: "admin",
    params: featureFlagParams,
    body: featureFlagBody,
    handler: async ({ deps, params, body }) => setFeatureFlag(deps.db, params.workspace_id, params.flag, body.enabled),
  }),
  defineRoute({
    method: "put",
    path: "/workspaces/:workspace_id/settings",
    summary: "Workspace settings: require_safe_scan makes a safe scan a condition of promotion to PRODUCTION (system admin)",
    access: "admin",
    params: workspaceIdParams,
    body: workspaceSettingsBody,
    handler: async ({ deps, params, body }) =>
      updateWorkspaceSettings(deps.db, params.workspace_id, { requireSafeScan: body.require_safe_scan }),
  }),
];

import {
  createUserBody,
  createWorkspaceBody,
  featureFlagBody,
  featureFlagParams,
  workspaceIdParams,
  workspaceSettingsBody,
} from "@modelhooks/contracts";
import { createUser, createWorkspace, setFeatureFlag, updateWorkspaceSettings } from "@modelhooks/identity";
import { defineRoute } from "../route-table.js";

export const adminRoutes = [
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

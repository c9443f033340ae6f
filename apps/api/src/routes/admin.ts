import { Prisma } from "@modelhooks/db";
import { createUser } from "@modelhooks/identity";
import { conflict, notFound } from "../http-errors.js";
import { defineRoute } from "../route-table.js";
import {
  createUserBody,
  createWorkspaceBody,
  featureFlagBody,
  featureFlagParams,
  workspaceIdParams,
  workspaceSettingsBody,
} from "@modelhooks/contracts";

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";

export const adminRoutes = [
  defineRoute({
    method: "post",
    path: "/workspaces",
    summary: "Create a workspace (system admin)",
    access: "admin",
    body: createWorkspaceBody,
    handler: async ({ deps, body }) => {
      try {
        const workspace = await deps.db.workspace.create({ data: { name: body.name } });
        return { id: workspace.id, name: workspace.name };
      } catch (error) {
        if (isUniqueViolation(error))
          throw conflict(`a workspace named "${body.name}" already exists`, [{ path: "name", message: "already exists" }]);
        throw error;
      }
    },
  }),
  defineRoute({
    method: "post",
    path: "/users",
    summary: "Create a user; the developer key is shown this once (system admin)",
    access: "admin",
    body: createUserBody,
    handler: async ({ deps, body }) => {
      const workspaceIds = [...new Set(body.workspace_ids)];
      const existing = await deps.db.workspace.findMany({ where: { id: { in: workspaceIds } }, select: { id: true } });
      const missing = workspaceIds.filter((id) => !existing.some((workspace) => workspace.id === id));
      if (missing.length > 0) throw notFound(`workspace ${missing.join(", ")}`);
      try {
        const user = await createUser(deps.db, { email: body.email, workspaceIds, systemAdmin: body.system_admin });
        return { id: user.id, email: user.email, developer_key: user.developerKey };
      } catch (error) {
        if (isUniqueViolation(error))
          throw conflict(`a user with email ${body.email} already exists`, [{ path: "email", message: "already exists" }]);
        throw error;
      }
    },
  }),
  defineRoute({
    method: "put",
    path: "/workspaces/:workspace_id/feature-flags/:flag",
    summary: "Switch a workspace's feature flag (system admin)",
    access: "admin",
    params: featureFlagParams,
    body: featureFlagBody,
    handler: async ({ deps, params, body }) => {
      const workspace = await deps.db.workspace.findUnique({ where: { id: params.workspace_id }, select: { id: true } });
      if (!workspace) throw notFound(`workspace ${params.workspace_id}`);
      await deps.db.workspaceFeatureFlag.upsert({
        where: { workspaceId_flag: { workspaceId: workspace.id, flag: params.flag } },
        create: { workspaceId: workspace.id, flag: params.flag, enabled: body.enabled },
        update: { enabled: body.enabled },
      });
      return { flag: params.flag, enabled: body.enabled };
    },
  }),
  defineRoute({
    method: "put",
    path: "/workspaces/:workspace_id/settings",
    summary: "Workspace settings: require_safe_scan makes a safe scan a condition of promotion to PRODUCTION (system admin)",
    access: "admin",
    params: workspaceIdParams,
    body: workspaceSettingsBody,
    handler: async ({ deps, params, body }) => {
      const found = await deps.db.workspace.findUnique({ where: { id: params.workspace_id }, select: { id: true } });
      if (!found) throw notFound(`workspace ${params.workspace_id}`);
      const workspace = await deps.db.workspace.update({ where: { id: found.id }, data: { requireSafeScan: body.require_safe_scan } });
      return { id: workspace.id, name: workspace.name, require_safe_scan: workspace.requireSafeScan };
    },
  }),
];

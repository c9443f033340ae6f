import { alreadyExists, featureFlagSchema, notFound } from "@modelhooks/contracts";
import { isUniqueViolation, type Db, type FeatureFlag, type Prisma } from "@modelhooks/db";

type Reader = Db | Prisma.TransactionClient;

export async function createWorkspace(db: Db, name: string): Promise<{ id: number; name: string }> {
  try {
    const workspace = await db.workspace.create({ data: { name } });
    return { id: workspace.id, name: workspace.name };
  } catch (error) {
    if (isUniqueViolation(error)) throw alreadyExists(`a workspace named "${name}" already exists`, "name");
    throw error;
  }
}

async function existingWorkspace(db: Reader, id: number) {
  const workspace = await db.workspace.findUnique({ where: { id } });
  if (!workspace) throw notFound(`workspace ${id}`);
  return workspace;
}

export async function setFeatureFlag(
  db: Db,
  workspaceId: number,
  flag: FeatureFlag,
  enabled: boolean,
): Promise<{ flag: FeatureFlag; enabled: boolean }> {
  const workspace = await existingWorkspace(db, workspaceId);
  await db.workspaceFeatureFlag.upsert({
    where: { workspaceId_flag: { workspaceId: workspace.id, flag } },
    create: { workspaceId: workspace.id, flag, enabled },
    update: { enabled },
  });
  return { flag, enabled };
}

/** Flags are off unless switched on: with a flag off the registry does not emit that event. */
export async function isFlagEnabled(db: Reader, workspaceId: number, flag: FeatureFlag): Promise<boolean> {
  const row = await db.workspaceFeatureFlag.findUnique({ where: { workspaceId_flag: { workspaceId, flag } } });
  return row?.enabled ?? false;
}

export async function updateWorkspaceSettings(db: Db, workspaceId: number, settings: { requireSafeScan: boolean }) {
  const found = await existingWorkspace(db, workspaceId);
  const workspace = await db.workspace.update({ where: { id: found.id }, data: { requireSafeScan: settings.requireSafeScan } });
  return { id: workspace.id, name: workspace.name, require_safe_scan: workspace.requireSafeScan };
}

/** Whether a workspace exists, for callers that may name any (system admins). */
export async function workspaceExists(db: Reader, id: number): Promise<boolean> {
  return (await db.workspace.count({ where: { id } })) > 0;
}

/** Every workspace with its feature flags and settings, for the admin page. */
export async function listWorkspaces(db: Db) {
  const workspaces = await db.workspace.findMany({ orderBy: { id: "asc" }, include: { featureFlags: true } });
  return workspaces.map((workspace) => ({
    id: workspace.id,
    name: workspace.name,
    require_safe_scan: workspace.requireSafeScan,
    feature_flags: Object.fromEntries(
      featureFlagSchema.options.map((flag) => [flag, workspace.featureFlags.find((row) => row.flag === flag)?.enabled ?? false]),
    ) as Record<FeatureFlag, boolean>,
    created_at: workspace.createdAt.toISOString(),
  }));
}

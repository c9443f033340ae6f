import { alreadyExists, notFound } from "@modelhooks/contracts";
import { isUniqueViolation, pageWindow, Prisma, type Db, type Page } from "@modelhooks/db";
import { developerKeyMatches, generateDeveloperKey, hashDeveloperKey } from "./developer-keys.js";
import type { Principal } from "./principal.js";

// A real hash of nothing anyone holds, compared against when the email is unknown, so the
// answer takes the same time whether or not the user exists.
const ABSENT_USER_HASH = hashDeveloperKey("absent-user");

// Every request runs this: the user and their memberships (oldest first, the default workspace
// leading) in one round trip, where Prisma's include takes two.
export const USER_WITH_WORKSPACES = (email: string) => Prisma.sql`
  SELECT u.id, u.email, u.system_admin AS "systemAdmin", u.developer_key_hash AS "developerKeyHash",
         COALESCE(array_agg(m.workspace_id ORDER BY m.created_at, m.workspace_id) FILTER (WHERE m.workspace_id IS NOT NULL), '{}') AS "workspaceIds"
  FROM users u LEFT JOIN workspace_memberships m ON m.user_id = u.id
  WHERE u.email = ${email}
  GROUP BY u.id`;

export async function authenticate(db: Db, email: string, developerKey: string): Promise<Principal | undefined> {
  const [user] = await db.$queryRaw<Array<Principal & { id: number; developerKeyHash: string }>>(USER_WITH_WORKSPACES(email.toLowerCase()));
  const matches = developerKeyMatches(developerKey, user?.developerKeyHash ?? ABSENT_USER_HASH);
  if (!user || !matches) return undefined;
  return { userId: user.id, email: user.email, systemAdmin: user.systemAdmin, workspaceIds: user.workspaceIds };
}

export interface NewUser {
  email: string;
  workspaceIds: number[];
  systemAdmin: boolean;
  /** Given for the bootstrap admin (from the environment); generated otherwise. */
  developerKey?: string;
}

/** A new user, member of the given workspaces (each must exist); the key is returned this once. */
export async function createUser(db: Db, input: NewUser): Promise<{ id: number; email: string; developerKey: string }> {
  const workspaceIds = [...new Set(input.workspaceIds)];
  const existing = await db.workspace.findMany({ where: { id: { in: workspaceIds } }, select: { id: true } });
  const missing = workspaceIds.filter((id) => !existing.some((workspace) => workspace.id === id));
  if (missing.length > 0) throw notFound(`workspace ${missing.join(", ")}`);
  const developerKey = input.developerKey ?? generateDeveloperKey();
  const email = input.email.toLowerCase();
  try {
    const user = await db.user.create({
      data: {
        email,
        developerKeyHash: hashDeveloperKey(developerKey),
        systemAdmin: input.systemAdmin,
        memberships: { create: workspaceIds.map((workspaceId) => ({ workspaceId })) },
      },
    });
    return { id: user.id, email: user.email, developerKey };
  } catch (error) {
    if (isUniqueViolation(error)) throw alreadyExists(`a user with email ${email} already exists`, "email");
    throw error;
  }
}

export const DEFAULT_WORKSPACE_NAME = "default";

/**
 * At start-up: when no system admin exists, create one from ADMIN_EMAIL / ADMIN_DEVELOPER_KEY,
 * member of the "default" workspace (created if needed). Concurrent starts are harmless.
 */
export async function ensureBootstrapAdmin(db: Db, email: string, developerKey: string): Promise<"created" | "exists"> {
  if (await db.user.findFirst({ where: { systemAdmin: true }, select: { id: true } })) return "exists";
  try {
    await db.$transaction(async (tx) => {
      const workspace = await tx.workspace.upsert({
        where: { name: DEFAULT_WORKSPACE_NAME },
        create: { name: DEFAULT_WORKSPACE_NAME },
        update: {},
      });
      await tx.user.upsert({
        where: { email: email.toLowerCase() },
        create: {
          email: email.toLowerCase(),
          developerKeyHash: hashDeveloperKey(developerKey),
          systemAdmin: true,
          memberships: { create: [{ workspaceId: workspace.id }] },
        },
        update: { systemAdmin: true, developerKeyHash: hashDeveloperKey(developerKey) },
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) return "exists"; // another process won the race
    throw error;
  }
  return "created";
}

/** Users by email with their workspaces, a page at a time, for the admin page. Keys never leave. */
export async function listUsers(db: Db, page: Page) {
  const [users, total] = await Promise.all([
    db.user.findMany({
      orderBy: { email: "asc" },
      ...pageWindow(page),
      include: { memberships: { orderBy: [{ createdAt: "asc" }, { workspaceId: "asc" }] } },
    }),
    db.user.count(),
  ]);
  return {
    users: users.map((user) => ({
      id: user.id,
      email: user.email,
      system_admin: user.systemAdmin,
      workspace_ids: user.memberships.map((membership) => membership.workspaceId),
      created_at: user.createdAt.toISOString(),
    })),
    total,
  };
}

import { createHash, randomBytes } from "node:crypto";
import { Prisma, type Db } from "@modelhooks/db";
import type { Principal } from "./principal.js";

/** The console's sign-in cookie (docs/security.md, "Sessions"). */
export const SESSION_COOKIE = "modelhooks_session";

function hashSessionToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

// One round trip per request: the session is used (its idle clock restarts) only while it has
// not expired, and the same statement answers who it belongs to.
const USE_SESSION = (tokenHash: string, idleTimeoutMs: number) => Prisma.sql`
  WITH used AS (
    UPDATE sessions SET last_seen_at = now()
    WHERE token_hash = ${tokenHash} AND last_seen_at > now() - ${idleTimeoutMs} * interval '1 millisecond'
    RETURNING user_id)
  SELECT u.id AS "userId", u.email, u.system_admin AS "systemAdmin",
         COALESCE(array_agg(m.workspace_id ORDER BY m.created_at, m.workspace_id) FILTER (WHERE m.workspace_id IS NOT NULL), '{}') AS "workspaceIds"
  FROM used JOIN users u ON u.id = used.user_id
  LEFT JOIN workspace_memberships m ON m.user_id = u.id
  GROUP BY u.id`;

/** A new session for a signed-in user; the token is returned this once (it goes into the cookie). */
export async function startSession(db: Db, userId: number, idleTimeoutMs: number): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  // Expired sessions of anyone are swept here: sign-ins are rare, and the index makes it cheap.
  await db.session.deleteMany({ where: { lastSeenAt: { lt: new Date(Date.now() - idleTimeoutMs) } } });
  await db.session.create({ data: { tokenHash: hashSessionToken(token), userId } });
  return token;
}

/** The principal of a live session, or undefined for an unknown, ended or expired one. */
export async function principalOfSession(db: Db, token: string, idleTimeoutMs: number): Promise<Principal | undefined> {
  const [principal] = await db.$queryRaw<Principal[]>(USE_SESSION(hashSessionToken(token), idleTimeoutMs));
  return principal;
}

export async function endSession(db: Db, token: string): Promise<void> {
  await db.session.deleteMany({ where: { tokenHash: hashSessionToken(token) } });
}

/** Who is signed in, with the workspaces they may open (every workspace for a system admin). */
export async function describeSignedInUser(db: Db, principal: Principal) {
  const workspaces = await db.workspace.findMany({
    where: principal.systemAdmin ? {} : { id: { in: principal.workspaceIds } },
    select: { id: true, name: true },
    orderBy: { id: "asc" },
  });
  // Membership order first: the console opens the caller's default workspace.
  const rank = (id: number) => {
    const index = principal.workspaceIds.indexOf(id);
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  };
  workspaces.sort((a, b) => rank(a.id) - rank(b.id) || a.id - b.id);
  return {
    user_id: principal.userId,
    email: principal.email,
    system_admin: principal.systemAdmin,
    workspaces: workspaces.map((workspace) => ({ workspace_id: workspace.id, name: workspace.name })),
  };
}

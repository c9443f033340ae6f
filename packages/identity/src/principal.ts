import { invalidArgument, notFound } from "@modelhooks/contracts";

/** Who is calling, as authentication established it. */
export interface Principal {
  userId: number;
  email: string;
  systemAdmin: boolean;
  /** Membership order: the first is the caller's default workspace. */
  workspaceIds: number[];
}

// The one home of workspace visibility: system admins are platform operators and act on every
// workspace; everyone else sees only their own, and anything else is "not found" (docs/security.md).

export function canSeeWorkspace(principal: Principal, workspaceId: number): boolean {
  return principal.systemAdmin || principal.workspaceIds.includes(workspaceId);
}

/** Workspaces the caller may see; undefined means all of them (system admins). */
export function visibleWorkspaces(principal: Principal): number[] | undefined {
  return principal.systemAdmin ? undefined : principal.workspaceIds;
}

/** Narrows a requested list of workspaces to those visible; no request means every visible one. */
export function visibleAmong(principal: Principal, requested: number[]): number[] | undefined {
  const visible = visibleWorkspaces(principal);
  if (requested.length === 0) return visible;
  return visible ? requested.filter((id) => visible.includes(id)) : requested;
}

/** The workspace a request acts on: the one named (if the caller may see it) or the caller's default. */
export function targetWorkspace(principal: Principal, workspaceId: number | undefined): number {
  if (workspaceId !== undefined) {
    if (!canSeeWorkspace(principal, workspaceId)) throw notFound(`workspace ${workspaceId}`);
    return workspaceId;
  }
  const fallback = principal.workspaceIds[0];
  if (fallback === undefined) throw invalidArgument("workspace_id", "required: the caller belongs to no workspace");
  return fallback;
}

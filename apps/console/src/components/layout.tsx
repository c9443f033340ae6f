import { useQuery } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import type { ListNotificationsAnswer } from "@modelhooks/contracts";
import { api, onReachability } from "../api/client";
import { Link, navigate } from "../router";
import { useSignOut, useUser } from "../session";

/** One clear banner while the API does not answer; it goes away by itself once it does. */
export function ServerDownBanner() {
  const [down, setDown] = useState(false);
  useEffect(() => onReachability((reachable) => setDown(!reachable)), []);
  if (!down) return null;
  return (
    <div className="banner" role="alert">
      The modelhooks server is not answering. What you see may be out of date; the console retries on its own.
    </div>
  );
}

function NotificationBell() {
  const { data } = useQuery({
    queryKey: ["notifications", "count"],
    queryFn: () => api<ListNotificationsAnswer>("GET", "/api/v1/notifications?unread_only=true&page_limit=1"),
    refetchInterval: 5000,
  });
  const unread = data?.unread_count ?? 0;
  return (
    <Link to="/notifications" className="bell" aria-label={`Notifications: ${unread} unread`}>
      {/* Drawn, not an emoji: the console uses no font it does not ship. */}
      <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
        <path d="M13.7 21a2 2 0 0 1-3.4 0" />
      </svg>
      {unread > 0 ? <span className="count">{unread}</span> : null}
    </Link>
  );
}

export function Layout({ workspaceId, children }: { workspaceId?: number; children: ReactNode }) {
  const user = useUser();
  const signOut = useSignOut();
  const ws = workspaceId ?? user.workspaces[0]?.workspace_id;
  return (
    <>
      <ServerDownBanner />
      <header className="top">
        <Link to="/" className="brand">
          modelhooks
        </Link>
        {ws !== undefined ? (
          <select aria-label="Workspace" value={ws} onChange={(event) => navigate(`/w/${event.target.value}/webhooks`)}>
            {user.workspaces.map((workspace) => (
              <option key={workspace.workspace_id} value={workspace.workspace_id}>
                {workspace.name}
              </option>
            ))}
          </select>
        ) : null}
        <nav className="main-nav" aria-label="main">
          {ws !== undefined ? (
            <>
              <Link to={`/w/${ws}/webhooks`}>Webhooks</Link>
              <Link to={`/w/${ws}/deliveries`}>Deliveries</Link>
              <Link to={`/w/${ws}/models`}>Models</Link>
            </>
          ) : null}
          {user.system_admin ? <Link to="/admin">Admin</Link> : null}
        </nav>
        <NotificationBell />
        <span className="muted who">{user.email}</span>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>{children}</main>
    </>
  );
}

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { AdminUserAnswer, AdminWorkspaceAnswer, CreatedUserAnswer, FeatureFlag } from "@modelhooks/contracts";
import { ADMIN, api } from "../api/client";
import { ErrorNote, FieldError, Loading, OneFieldForm, Pager, Secret, submitWith } from "../components/common";

const FLAGS: FeatureFlag[] = ["PROMOTION_EVENTS", "SCAN_EVENTS"];
const PAGE = 25;

function Workspaces() {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const list = useQuery({
    queryKey: ["admin", "workspaces"],
    queryFn: () => api<{ workspaces: AdminWorkspaceAnswer[] }>("GET", `${ADMIN}/workspaces`),
  });
  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: ["admin"] }), queryClient.invalidateQueries({ queryKey: ["session"] })]);
  const create = useMutation({ mutationFn: () => api("POST", `${ADMIN}/workspaces`, { name }), onSuccess: () => (setName(""), refresh()) });
  const flag = useMutation({
    mutationFn: ({ id, flag: which, enabled }: { id: number; flag: FeatureFlag; enabled: boolean }) =>
      api("PUT", `${ADMIN}/workspaces/${id}/feature-flags/${which}`, { enabled }),
    onSuccess: refresh,
  });
  return (
    <div className="card">
      <h2>Workspaces and feature flags</h2>
      {list.isPending ? <Loading what="workspaces" /> : null}
      <ErrorNote error={list.error ?? flag.error} />
      <table>
        <thead>
          <tr>
            <th>Workspace</th>
            {FLAGS.map((f) => (
              <th key={f}>{f}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {list.data?.workspaces.map((ws) => (
            <tr key={ws.id}>
              <td data-label="Workspace">
                {ws.name} <span className="muted small">#{ws.id}</span>
              </td>
              {FLAGS.map((f) => (
                <td key={f} data-label={f}>
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={ws.feature_flags[f] ?? false}
                      disabled={flag.isPending}
                      onChange={(e) => flag.mutate({ id: ws.id, flag: f, enabled: e.target.checked })}
                    />{" "}
                    <span className="sr-only">
                      {f} in {ws.name}
                    </span>
                    {ws.feature_flags[f] ? "on" : "off"}
                  </label>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <OneFieldForm
        name="New workspace"
        id="ws-name"
        label="New workspace"
        value={name}
        onChange={setName}
        mutation={create}
        path="name"
        words={{ submit: "Create workspace", submitting: "Creating…" }}
      />
    </div>
  );
}

function Users() {
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [email, setEmail] = useState("");
  const [workspaceIds, setWorkspaceIds] = useState("");
  const [systemAdmin, setSystemAdmin] = useState(false);
  const users = useQuery({
    queryKey: ["admin", "users", page],
    queryFn: () => api<{ users: AdminUserAnswer[]; total_records: number }>("GET", `${ADMIN}/users?page_limit=${PAGE}&page_number=${page}`),
  });
  const create = useMutation({
    mutationFn: () =>
      api<CreatedUserAnswer>("POST", `${ADMIN}/users`, {
        email,
        workspace_ids: workspaceIds
          .split(/[\s,]+/)
          .filter(Boolean)
          .map(Number),
        system_admin: systemAdmin,
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["admin", "users"] }),
  });
  return (
    <div className="card">
      <h2>Users</h2>
      <ErrorNote error={users.error} />
      <ul className="list">
        {users.data?.users.map((u) => (
          <li key={u.id}>
            {u.email} {u.system_admin ? <span className="badge">system admin</span> : null}{" "}
            <span className="muted small">workspaces {u.workspace_ids.join(", ") || "none"}</span>
          </li>
        ))}
      </ul>
      {users.data ? <Pager page={page} total={users.data.total_records} limit={PAGE} onPage={setPage} /> : null}
      <form className="form" aria-label="New user" onSubmit={submitWith(() => create.mutate())}>
        <label htmlFor="user-email">Email</label>
        <input id="user-email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <FieldError error={create.error} path="email" id="user-email-error" />
        <label htmlFor="user-workspaces">Workspace ids (comma-separated)</label>
        <input id="user-workspaces" value={workspaceIds} onChange={(e) => setWorkspaceIds(e.target.value)} />
        <FieldError error={create.error} path="workspace_ids" id="user-ws-error" />
        <label className="check">
          <input type="checkbox" checked={systemAdmin} onChange={(e) => setSystemAdmin(e.target.checked)} /> System admin
        </label>
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create user"}
        </button>
        <ErrorNote error={create.error} />
      </form>
      {create.data ? <Secret value={create.data.developer_key} label={`Developer key of ${create.data.email}`} /> : null}
    </div>
  );
}

export function AdminPage() {
  return (
    <section>
      <div className="title-row">
        <h1>Admin</h1>
        <a href="/admin/queues">Queue dashboard (Bull Board)</a>
      </div>
      <div className="grid">
        <Workspaces />
        <Users />
      </div>
    </section>
  );
}

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { ListNotificationsAnswer, NotificationAnswer } from "@modelhooks/contracts";
import { api } from "../api/client";
import { Empty, ErrorNote, Loading, Pager, Time } from "../components/common";
import { Link } from "../router";

const PAGE = 20;

function Target({ notification }: { notification: NotificationAnswer }) {
  const { model_version_id: versionId, webhook_id: webhookId, workspace_id: workspaceId } = notification.link;
  if (versionId) return <Link to={`/versions/${versionId}`}>Open the version</Link>;
  if (webhookId && workspaceId !== undefined) return <Link to={`/w/${workspaceId}/webhooks/${webhookId}`}>Open the webhook</Link>;
  return null;
}

export function NotificationsPage() {
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const list = useQuery({
    queryKey: ["notifications", "list", page],
    queryFn: () => api<ListNotificationsAnswer>("GET", `/api/v1/notifications?page_limit=${PAGE}&page_number=${page}`),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["notifications"] });
  // The bell polls every few seconds; the list just read is newer, so the bell follows it at once.
  useEffect(() => {
    if (list.data) void queryClient.invalidateQueries({ queryKey: ["notifications", "count"] });
  }, [list.dataUpdatedAt, list.data, queryClient]);
  const markRead = useMutation({ mutationFn: (id: number) => api("POST", `/api/v1/notifications/${id}/read`), onSuccess: refresh });
  const markAll = useMutation({ mutationFn: () => api("POST", "/api/v1/notifications/read-all"), onSuccess: refresh });
  return (
    <section>
      <div className="title-row">
        <h1>Notifications</h1>
        <button type="button" className="secondary" onClick={() => markAll.mutate()} disabled={markAll.isPending}>
          {markAll.isPending ? "Marking…" : "Mark all read"}
        </button>
      </div>
      <ErrorNote error={list.error ?? markRead.error ?? markAll.error} />
      {list.isPending ? <Loading what="notifications" /> : null}
      {list.data?.notifications.length === 0 ? (
        <Empty>Nothing yet. You are told here when a promotion or scan you took part in ends, or a webhook fails.</Empty>
      ) : null}
      <ul className="list notifications">
        {list.data?.notifications.map((n) => (
          <li key={n.id} className={n.read_at ? "read" : "unread"}>
            <strong>{n.title}</strong> <Time value={n.created_at} />
            <p>{n.body}</p>
            <Target notification={n} />{" "}
            {n.read_at ? null : (
              <button type="button" className="secondary" onClick={() => markRead.mutate(n.id)} disabled={markRead.isPending}>
                Mark read
              </button>
            )}
          </li>
        ))}
      </ul>
      {list.data ? <Pager page={page} total={list.data.total_records} limit={PAGE} onPage={setPage} /> : null}
    </section>
  );
}

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type {
  CallStatus,
  EventType,
  FindWebhookCallAnswer,
  FindWebhookCallRequest,
  RecoverWebhookCallsAnswer,
  WebhookCallAnswer,
} from "@modelhooks/contracts";
import { api, EVENTS } from "../api/client";
import { Empty, ErrorNote, FieldError, Loading, Pager, QueryStatus, StatusBadge, Time } from "../components/common";
import { Link, navigate, useLocation } from "../router";
import { useUser } from "../session";
import { useWebhooks } from "./webhooks";

const PAGE = 25;
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

export function DeliveriesPage({ workspaceId }: { workspaceId: number }) {
  const { search } = useLocation();
  const webhooks = useWebhooks(workspaceId);
  const [webhook, setWebhook] = useState(search.get("webhook") ?? "");
  const [status, setStatus] = useState<CallStatus | "">("");
  const [eventType, setEventType] = useState<EventType | "">("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [page, setPage] = useState(1);
  const ids = webhook ? [Number(webhook)] : (webhooks.data?.webhooks.map((w) => w.id) ?? []);
  const filter: FindWebhookCallRequest = {
    webhook_ids: ids,
    ...(status ? { status: [status] } : {}),
    ...(eventType ? { event_types: [eventType] } : {}),
    ...(since ? { since: toIso(since) } : {}),
    ...(until ? { until: toIso(until) } : {}),
    page_limit: PAGE,
    page_number: page,
  };
  const calls = useQuery({
    queryKey: ["calls", filter],
    queryFn: () => api<FindWebhookCallAnswer>("POST", `${EVENTS}/findWebhookCall`, filter),
    enabled: ids.length > 0,
    refetchInterval: 3000,
  });
  const nameOf = (id: number) => webhooks.data?.webhooks.find((w) => w.id === id)?.name ?? `#${id}`;
  return (
    <section>
      <h1>Deliveries</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label htmlFor="filter-webhook">Webhook</label>
        <select id="filter-webhook" value={webhook} onChange={(e) => (setWebhook(e.target.value), setPage(1))}>
          <option value="">all</option>
          {webhooks.data?.webhooks.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
        <label htmlFor="filter-status">Status</label>
        <select id="filter-status" value={status} onChange={(e) => (setStatus(e.target.value as CallStatus | ""), setPage(1))}>
          <option value="">all</option>
          {["SUCCESS", "FAILURE", "IN_PROGRESS", "UNKNOWN"].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <label htmlFor="filter-event-type">Event type</label>
        <select id="filter-event-type" value={eventType} onChange={(e) => (setEventType(e.target.value as EventType | ""), setPage(1))}>
          <option value="">all</option>
          {["CREATE", "READ", "UPDATE", "DELETE", "PROMOTE", "REQUEST_SCAN"].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <label htmlFor="filter-since">Since</label>
        <input id="filter-since" type="datetime-local" value={since} onChange={(e) => (setSince(e.target.value), setPage(1))} />
        <label htmlFor="filter-until">Until</label>
        <input id="filter-until" type="datetime-local" value={until} onChange={(e) => (setUntil(e.target.value), setPage(1))} />
      </form>
      <FieldError error={calls.error} path="until" id="until-error" />
      <ErrorNote error={calls.error ?? webhooks.error} />
      {webhooks.data && ids.length === 0 ? <Empty>No webhooks here yet, so nothing was delivered. Create a webhook first.</Empty> : null}
      {calls.isPending && ids.length > 0 ? <Loading what="deliveries" /> : null}
      {calls.data && calls.data.calls.length === 0 ? (
        <Empty>No calls match. Calls appear here when an event reaches a webhook; widen the filters or send a test.</Empty>
      ) : null}
      {calls.data && calls.data.calls.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>Call</th>
              <th>Webhook</th>
              <th>Event</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last answer</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {calls.data.calls.map((call) => (
              <tr key={call.id}>
                <td data-label="Call">
                  <Link to={`/w/${workspaceId}/deliveries/${call.id}`}>#{call.id}</Link>
                </td>
                <td data-label="Webhook">{nameOf(call.webhook_id)}</td>
                <td data-label="Event">{call.event_type}</td>
                <td data-label="Status">
                  <StatusBadge status={call.status} />
                </td>
                <td data-label="Attempts">{call.attempts}</td>
                <td data-label="Last answer">{call.response.error ?? (call.response.status_code || "—")}</td>
                <td data-label="Created">
                  <Time value={call.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {calls.data ? <Pager page={page} total={calls.data.total_records} limit={PAGE} onPage={setPage} /> : null}
      {webhook ? <RecoverFailed webhookId={Number(webhook)} /> : null}
    </section>
  );
}

function RecoverFailed({ webhookId }: { webhookId: number }) {
  const user = useUser();
  const [since, setSince] = useState("");
  const recover = useMutation({
    mutationFn: () =>
      api<RecoverWebhookCallsAnswer>("POST", `${EVENTS}/recoverWebhookCalls`, { webhook_id: webhookId, since: toIso(since) ?? "" }),
  });
  if (!user.system_admin) return null;
  return (
    <div className="card">
      <h2>Recover failed since…</h2>
      <p className="muted">Every FAILURE call of this webhook created since then is sent again as a new call.</p>
      <label htmlFor="recover-since">Since</label>
      <input id="recover-since" type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
      <FieldError error={recover.error} path="since" id="recover-since-error" />
      <button type="button" onClick={() => recover.mutate()} disabled={recover.isPending}>
        {recover.isPending ? "Recovering…" : "Recover failed calls"}
      </button>
      {recover.data ? <p role="status">{recover.data.recovered} failed calls are being sent again.</p> : null}
      <ErrorNote error={recover.error} />
    </div>
  );
}

function Headers({ headers }: { headers: Record<string, string> }) {
  const entries = Object.entries(headers);
  if (entries.length === 0) return <p className="muted">no headers</p>;
  return <pre className="headers">{entries.map(([name, value]) => `${name}: ${value}`).join("\n")}</pre>;
}

function AttemptDetail({ attempt }: { attempt: NonNullable<WebhookCallAnswer["attempt_history"]>[number] }) {
  return (
    <article className="card attempt" aria-label={`Attempt ${attempt.attempt}`}>
      <h3>
        Attempt {attempt.attempt} · {attempt.status_code ? `HTTP ${attempt.status_code}` : "no answer"} · {attempt.duration_ms} ms ·{" "}
        <Time value={attempt.started_at} />
      </h3>
      {attempt.error ? <p className="error">Error: {attempt.error}</p> : null}
      <div className="grid">
        <div>
          <h4>Request</h4>
          <p>
            POST <code>{attempt.request.url}</code>
          </p>
          <Headers headers={attempt.request.headers} />
          <pre aria-label="Request body">{attempt.request.body}</pre>
        </div>
        <div>
          <h4>Response</h4>
          <Headers headers={attempt.headers} />
          <pre aria-label="Response body">{attempt.body || "(empty body)"}</pre>
        </div>
      </div>
    </article>
  );
}

export function CallPage({ workspaceId, callId }: { workspaceId: number; callId: number }) {
  const user = useUser();
  const queryClient = useQueryClient();
  const call = useQuery({
    queryKey: ["call", callId],
    queryFn: async () =>
      (await api<FindWebhookCallAnswer>("POST", `${EVENTS}/findWebhookCall`, { ids: [callId], include_attempts: true })).calls[0] ?? null,
    refetchInterval: 2000,
  });
  const retrigger = useMutation({
    mutationFn: () => api<WebhookCallAnswer>("POST", `${EVENTS}/retriggerWebhookCall`, { call_id: callId }),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: ["calls"] });
      navigate(`/w/${workspaceId}/deliveries/${created.id}`);
    },
  });
  if (call.isPending || call.error) return <QueryStatus query={call} what="the call" />;
  if (!call.data) return <Empty>No call {callId}: it may be older than the retention period.</Empty>;
  const data = call.data;
  return (
    <section>
      <div className="title-row">
        <h1>Call #{data.id}</h1>
        <StatusBadge status={data.status} />
        {user.system_admin ? (
          <button type="button" onClick={() => retrigger.mutate()} disabled={retrigger.isPending}>
            {retrigger.isPending ? "Retriggering…" : "Retrigger"}
          </button>
        ) : null}
      </div>
      <ErrorNote error={retrigger.error} />
      <p className="muted">
        {data.event_type} event <code>{data.event_uuid}</code> · created <Time value={data.created_at} /> · {data.attempts} attempt(s)
        {data.next_attempt_at ? (
          <>
            {" "}
            · next attempt <Time value={data.next_attempt_at} />
          </>
        ) : null}
        {data.retrigger_of ? (
          <>
            {" "}
            · retrigger of <Link to={`/w/${workspaceId}/deliveries/${data.retrigger_of}`}>#{data.retrigger_of}</Link>
          </>
        ) : null}
      </p>
      {(data.attempt_history ?? []).length === 0 ? <Empty>No attempt yet: the delivery is queued.</Empty> : null}
      {(data.attempt_history ?? []).map((attempt) => (
        <AttemptDetail key={attempt.attempt} attempt={attempt} />
      ))}
    </section>
  );
}

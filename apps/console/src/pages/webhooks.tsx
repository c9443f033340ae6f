import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type {
  CreateWebhookRequest,
  FindWebhookAnswer,
  RotateWebhookSecretAnswer,
  TriggerTestAnswer,
  WebhookAnswer,
} from "@modelhooks/contracts";
import { api, EVENTS } from "../api/client";
import { Empty, ErrorNote, FieldError, QueryStatus, Secret, StatusBadge, Time, submitWith } from "../components/common";
import { Link, navigate } from "../router";
import { useUser } from "../session";

const EVENT_TYPES = ["CREATE", "READ", "UPDATE", "DELETE", "PROMOTE", "REQUEST_SCAN"] as const;
const RESOURCE_TYPES = ["REGISTERED_MODEL", "MODEL_VERSION", "BUILD"] as const;

export function useWebhooks(workspaceId: number) {
  return useQuery({
    queryKey: ["webhooks", workspaceId],
    queryFn: () => api<FindWebhookAnswer>("POST", `${EVENTS}/findWebhook`, { workspace_id: [workspaceId], include_stats: true }),
    refetchInterval: 5000,
  });
}

const rate = (webhook: WebhookAnswer) =>
  webhook.stats?.success_rate_24h === null || webhook.stats === undefined
    ? "no calls in 24 h"
    : `${Math.round(webhook.stats.success_rate_24h * 100)}% of ${webhook.stats.succeeded_24h + webhook.stats.failed_24h}`;

export function WebhooksPage({ workspaceId }: { workspaceId: number }) {
  const user = useUser();
  const webhooks = useWebhooks(workspaceId);
  const data = webhooks.data;
  return (
    <section>
      <div className="title-row">
        <h1>Webhooks</h1>
        {user.system_admin ? (
          <Link to={`/w/${workspaceId}/webhooks/new`} className="button">
            New webhook
          </Link>
        ) : null}
      </div>
      <QueryStatus query={webhooks} what="webhooks" />
      {data && data.webhooks.length === 0 ? (
        <Empty>
          No webhooks in this workspace yet.{" "}
          {user.system_admin ? "Create one with New webhook to send events to a receiver." : "Ask a system admin to create one."}
        </Empty>
      ) : null}
      {data && data.webhooks.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Events</th>
              <th>Success (24 h)</th>
              <th>Last call</th>
              <th>Last failure</th>
            </tr>
          </thead>
          <tbody>
            {data.webhooks.map((webhook) => (
              <tr key={webhook.id}>
                <td data-label="Name">
                  <Link to={`/w/${workspaceId}/webhooks/${webhook.id}`}>{webhook.name}</Link>
                  <div className="muted small">{webhook.location}</div>
                </td>
                <td data-label="Status">
                  <StatusBadge status={webhook.status} />
                  {webhook.disabled_reason ? <div className="small">{webhook.disabled_reason}</div> : null}
                </td>
                <td data-label="Events">
                  {webhook.all_events ? "all events" : webhook.event_types.join(", ")}
                  <div className="muted small">
                    {webhook.resource_types.length ? webhook.resource_types.join(", ") : "every resource"}
                    {webhook.registered_model_ids.length ? `; models ${webhook.registered_model_ids.join(", ")}` : ""}
                  </div>
                </td>
                <td data-label="Success (24 h)">{rate(webhook)}</td>
                <td data-label="Last call">
                  <Time value={webhook.stats?.last_call_at} />
                </td>
                <td data-label="Last failure">
                  <Time value={webhook.stats?.last_failure_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

interface HeaderRow {
  name: string;
  value: string;
}

/** Create (no webhook) or edit: every field of the Webhook. */
export function WebhookForm({ workspaceId, webhook }: { workspaceId: number; webhook?: WebhookAnswer }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(webhook?.name ?? "");
  const [location, setLocation] = useState(webhook?.location ?? "");
  const [secret, setSecret] = useState("");
  const [allEvents, setAllEvents] = useState(webhook?.all_events ?? false);
  const [eventTypes, setEventTypes] = useState<string[]>(webhook?.event_types ?? []);
  const [resourceTypes, setResourceTypes] = useState<string[]>(webhook?.resource_types ?? []);
  const [modelIds, setModelIds] = useState((webhook?.registered_model_ids ?? []).join(", "));
  const [rateLimit, setRateLimit] = useState(webhook?.max_deliveries_per_second?.toString() ?? "");
  const [headers, setHeaders] = useState<HeaderRow[]>(Object.entries(webhook?.headers ?? {}).map(([n, v]) => ({ name: n, value: v })));
  const toggle = (list: string[], value: string) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);

  const save = useMutation({
    mutationFn: async () => {
      const common = {
        headers: Object.fromEntries(headers.filter((h) => h.name.trim()).map((h) => [h.name.trim(), h.value])),
        registered_model_ids: modelIds
          .split(/[\s,]+/)
          .filter(Boolean)
          .map((id) => (/^\d+$/.test(id) ? Number(id) : id)) as number[],
        max_deliveries_per_second: rateLimit.trim() === "" ? null : (rateLimit.trim() as unknown as number),
      };
      if (!webhook) {
        const body: CreateWebhookRequest = {
          name,
          workspace_id: workspaceId,
          location,
          ...(secret ? { mutual_secret: secret } : {}),
          all_events: allEvents,
          event_types: eventTypes as CreateWebhookRequest["event_types"],
          resource_types: resourceTypes as CreateWebhookRequest["resource_types"],
          ...common,
        };
        return api<WebhookAnswer>("POST", `${EVENTS}/createWebhook`, body);
      }
      return api<WebhookAnswer>("POST", `${EVENTS}/updateWebhook`, {
        id: webhook.id,
        ...(name !== webhook.name ? { new_name: name } : {}),
        ...(location !== webhook.location ? { new_location: location } : {}),
        ...(secret ? { mutual_secret: secret } : {}),
        set_all_events: allEvents && !webhook.all_events,
        clear_all_events: !allEvents && webhook.all_events,
        add_event_types: eventTypes.filter((t) => !webhook.event_types.includes(t as never)),
        delete_event_types: webhook.event_types.filter((t) => !eventTypes.includes(t)),
        add_resource_types: resourceTypes.filter((t) => !webhook.resource_types.includes(t as never)),
        delete_resource_types: webhook.resource_types.filter((t) => !resourceTypes.includes(t)),
        ...common,
      });
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ["webhooks"] });
      setSecret("");
      if (!webhook) navigate(`/w/${workspaceId}/webhooks/${saved.id}`);
    },
  });
  const err = save.error;
  return (
    <form onSubmit={submitWith(() => save.mutate())} className="card form" aria-label={webhook ? "Edit webhook" : "New webhook"}>
      <label htmlFor="wh-name">Name</label>
      <input id="wh-name" value={name} onChange={(e) => setName(e.target.value)} aria-describedby="wh-name-error" />
      <FieldError error={err} path={webhook ? "new_name" : "name"} id="wh-name-error" />

      <label htmlFor="wh-location">Location (URL the events are POSTed to)</label>
      <input id="wh-location" value={location} onChange={(e) => setLocation(e.target.value)} aria-describedby="wh-location-error" />
      <FieldError error={err} path={webhook ? "new_location" : "location"} id="wh-location-error" />

      <label htmlFor="wh-secret">Signing secret {webhook?.has_mutual_secret ? "(set; type to replace it at once)" : "(optional)"}</label>
      <input id="wh-secret" type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} />
      <FieldError error={err} path="mutual_secret" id="wh-secret-error" />

      <fieldset>
        <legend>Event types</legend>
        <label className="check">
          <input type="checkbox" checked={allEvents} onChange={(e) => setAllEvents(e.target.checked)} /> All events
        </label>
        {EVENT_TYPES.map((type) => (
          <label className="check" key={type}>
            <input
              type="checkbox"
              disabled={allEvents}
              checked={eventTypes.includes(type)}
              onChange={() => setEventTypes(toggle(eventTypes, type))}
            />{" "}
            {type}
          </label>
        ))}
        <FieldError error={err} path="event_types" id="wh-events-error" />
      </fieldset>

      <fieldset>
        <legend>Resource types (none ticked: all)</legend>
        {RESOURCE_TYPES.map((type) => (
          <label className="check" key={type}>
            <input type="checkbox" checked={resourceTypes.includes(type)} onChange={() => setResourceTypes(toggle(resourceTypes, type))} />{" "}
            {type}
          </label>
        ))}
      </fieldset>

      <label htmlFor="wh-models">Only these registered model ids (comma-separated; empty: every model)</label>
      <input id="wh-models" value={modelIds} onChange={(e) => setModelIds(e.target.value)} />
      <FieldError error={err} path="registered_model_ids" id="wh-models-error" />

      <label htmlFor="wh-rate">Max deliveries per second (empty: no limit)</label>
      <input id="wh-rate" inputMode="numeric" value={rateLimit} onChange={(e) => setRateLimit(e.target.value)} />
      <FieldError error={err} path="max_deliveries_per_second" id="wh-rate-error" />

      <fieldset>
        <legend>Custom headers (values are stored sealed and shown masked)</legend>
        {headers.map((header, index) => (
          <div className="row" key={index}>
            <input
              aria-label={`Header ${index + 1} name`}
              value={header.name}
              onChange={(e) => setHeaders(headers.map((h, i) => (i === index ? { ...h, name: e.target.value } : h)))}
            />
            <input
              aria-label={`Header ${index + 1} value`}
              type="password"
              value={header.value}
              onChange={(e) => setHeaders(headers.map((h, i) => (i === index ? { ...h, value: e.target.value } : h)))}
            />
            <button type="button" className="secondary" onClick={() => setHeaders(headers.filter((_, i) => i !== index))}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => setHeaders([...headers, { name: "", value: "" }])}>
          Add header
        </button>
        <FieldError error={err} path="headers" id="wh-headers-error" />
      </fieldset>

      <button type="submit" disabled={save.isPending}>
        {save.isPending ? "Saving…" : webhook ? "Save changes" : "Create webhook"}
      </button>
      {save.isSuccess && webhook ? (
        <p className="ok" role="status">
          Saved.
        </p>
      ) : null}
      <ErrorNote error={err} />
    </form>
  );
}

export function NewWebhookPage({ workspaceId }: { workspaceId: number }) {
  return (
    <section>
      <h1>New webhook</h1>
      <WebhookForm workspaceId={workspaceId} />
    </section>
  );
}

function SendTest({ webhook }: { webhook: WebhookAnswer }) {
  const test = useMutation({ mutationFn: () => api<TriggerTestAnswer>("POST", `${EVENTS}/triggerTest`, { webhook_id: webhook.id }) });
  return (
    <div className="card">
      <h2>Send test</h2>
      <button type="button" onClick={() => test.mutate()} disabled={test.isPending}>
        {test.isPending ? "Sending…" : "Send test"}
      </button>
      {test.data ? (
        <div role="status" className="test-result">
          <p>
            Receiver answered <strong>{test.data.status_code === 0 ? "nothing" : `HTTP ${test.data.status_code}`}</strong>
            {test.data.error ? `: ${test.data.error}` : ""}
          </p>
          <pre aria-label="Response body">{test.data.body || "(empty body)"}</pre>
        </div>
      ) : null}
      <ErrorNote error={test.error} />
    </div>
  );
}

function RotateSecret({ webhook }: { webhook: WebhookAnswer }) {
  const queryClient = useQueryClient();
  const [overlap, setOverlap] = useState("86400");
  const rotate = useMutation({
    mutationFn: () =>
      api<RotateWebhookSecretAnswer>("POST", `${EVENTS}/rotateWebhookSecret`, { webhook_id: webhook.id, overlap_seconds: overlap }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["webhooks"] }),
  });
  return (
    <div className="card">
      <h2>Rotate secret</h2>
      <p className="muted">A new secret is generated; the old one keeps signing beside it during the overlap.</p>
      <label htmlFor="overlap">Overlap (seconds)</label>
      <input id="overlap" inputMode="numeric" value={overlap} onChange={(e) => setOverlap(e.target.value)} />
      <FieldError error={rotate.error} path="overlap_seconds" id="overlap-error" />
      <button type="button" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
        {rotate.isPending ? "Rotating…" : "Rotate secret"}
      </button>
      {rotate.data?.mutual_secret ? <Secret value={rotate.data.mutual_secret} label="New secret" /> : null}
      {rotate.data?.previous_secret_expires_at ? (
        <p className="muted">
          The old secret signs until <Time value={rotate.data.previous_secret_expires_at} />.
        </p>
      ) : null}
      <ErrorNote error={rotate.error} />
    </div>
  );
}

function DangerZone({ webhook, workspaceId }: { webhook: WebhookAnswer; workspaceId: number }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => api("POST", `${EVENTS}/deleteWebhook`, { ids: [webhook.id] }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["webhooks"] });
      navigate(`/w/${workspaceId}/webhooks`);
    },
  });
  const enable = useMutation({
    mutationFn: () => api("POST", `${EVENTS}/updateWebhook`, { id: webhook.id, status: "ACTIVE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["webhooks"] }),
  });
  return (
    <div className="card">
      {webhook.status === "DISABLED" ? (
        <p>
          <button type="button" onClick={() => enable.mutate()} disabled={enable.isPending}>
            {enable.isPending ? "Re-enabling…" : "Re-enable"}
          </button>
        </p>
      ) : null}
      <ErrorNote error={enable.error} />
      {confirming ? (
        <div role="alertdialog" aria-label="Confirm delete">
          <p>Delete “{webhook.name}” and its whole call log? This cannot be undone.</p>
          <button type="button" className="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
            {remove.isPending ? "Deleting…" : "Yes, delete"}
          </button>{" "}
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete webhook
        </button>
      )}
      <ErrorNote error={remove.error} />
    </div>
  );
}

export function WebhookPage({ workspaceId, webhookId }: { workspaceId: number; webhookId: number }) {
  const user = useUser();
  const webhooks = useWebhooks(workspaceId);
  if (webhooks.isPending || webhooks.error) return <QueryStatus query={webhooks} what="the webhook" />;
  const webhook = webhooks.data.webhooks.find((candidate) => candidate.id === webhookId);
  if (!webhook) return <Empty>No webhook {webhookId} in this workspace: it may have been deleted.</Empty>;
  return (
    <section>
      <div className="title-row">
        <h1>{webhook.name}</h1>
        <StatusBadge status={webhook.status} />
        <Link to={`/w/${workspaceId}/deliveries?webhook=${webhook.id}`}>Deliveries</Link>
      </div>
      {webhook.disabled_reason ? <p className="warning">{webhook.disabled_reason}</p> : null}
      {user.system_admin ? (
        <div className="grid">
          <WebhookForm key={webhook.updated_at} workspaceId={workspaceId} webhook={webhook} />
          <div>
            <SendTest webhook={webhook} />
            <RotateSecret webhook={webhook} />
            <DangerZone webhook={webhook} workspaceId={workspaceId} />
          </div>
        </div>
      ) : (
        <p className="muted">Only a system admin can change this webhook. It goes to {webhook.location}.</p>
      )}
    </section>
  );
}

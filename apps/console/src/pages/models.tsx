import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { ActivityAnswer, ModelVersionAnswer, RegisteredModelAnswer, Stage, VersionPageAnswer } from "@modelhooks/contracts";
import { api, REGISTRY } from "../api/client";
import { Empty, ErrorNote, OneFieldForm, Pager, QueryStatus, StatusBadge, Time, submitWith } from "../components/common";
import { Link } from "../router";
import { useUser } from "../session";

const PAGE = 25;

export function ModelsPage({ workspaceId }: { workspaceId: number }) {
  const user = useUser();
  const queryClient = useQueryClient();
  const workspace = user.workspaces.find((w) => w.workspace_id === workspaceId);
  const [page, setPage] = useState(1);
  const [name, setName] = useState("");
  const path = `${REGISTRY}/workspaces/${encodeURIComponent(workspace?.name ?? "")}/registered_models`;
  const models = useQuery({
    queryKey: ["models", workspaceId, page],
    queryFn: () =>
      api<{ registered_models: RegisteredModelAnswer[]; total_records: number }>("GET", `${path}?page_limit=${PAGE}&page_number=${page}`),
    enabled: workspace !== undefined,
  });
  const create = useMutation({
    mutationFn: () => api("POST", path, { name }),
    onSuccess: async () => {
      setName("");
      await queryClient.invalidateQueries({ queryKey: ["models", workspaceId] });
    },
  });
  return (
    <section>
      <h1>Models</h1>
      <OneFieldForm
        name="Register a model"
        card
        id="model-name"
        label="New model name"
        value={name}
        onChange={setName}
        mutation={create}
        path="name"
        words={{ submit: "Register model", submitting: "Registering…" }}
      />
      <QueryStatus query={models} what="models" />
      {models.data?.registered_models.length === 0 ? (
        <Empty>No models yet: register one above, or from your training pipeline.</Empty>
      ) : null}
      <ul className="list">
        {models.data?.registered_models.map((model) => (
          <li key={model.id}>
            <Link to={`/w/${workspaceId}/models/${model.id}`}>{model.name}</Link>{" "}
            <span className="muted small">
              created <Time value={model.time_created} />
            </span>
          </li>
        ))}
      </ul>
      {models.data ? <Pager page={page} total={models.data.total_records} limit={PAGE} onPage={setPage} /> : null}
    </section>
  );
}

export function ModelPage({ workspaceId, modelId }: { workspaceId: number; modelId: number }) {
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [version, setVersion] = useState("");
  const model = useQuery({
    queryKey: ["model", modelId],
    queryFn: () => api<{ registered_model: RegisteredModelAnswer }>("GET", `${REGISTRY}/registered_models/${modelId}`),
  });
  const versions = useQuery({
    queryKey: ["versions", modelId, page],
    queryFn: () =>
      api<{ model_versions: ModelVersionAnswer[]; total_records: number }>(
        "GET",
        `${REGISTRY}/registered_models/${modelId}/model_versions?page_limit=${PAGE}&page_number=${page}`,
      ),
  });
  const create = useMutation({
    mutationFn: () => api("POST", `${REGISTRY}/registered_models/${modelId}/model_versions`, { version }),
    onSuccess: async () => {
      setVersion("");
      await queryClient.invalidateQueries({ queryKey: ["versions", modelId] });
    },
  });
  return (
    <section>
      <p>
        <Link to={`/w/${workspaceId}/models`}>← Models</Link>
      </p>
      <h1>{model.data?.registered_model.name ?? "Model"}</h1>
      <ErrorNote error={model.error ?? versions.error} />
      <OneFieldForm
        name="Add a version"
        card
        id="version-name"
        label="New version"
        value={version}
        onChange={setVersion}
        mutation={create}
        path="version"
        words={{ submit: "Add version", submitting: "Adding…" }}
      />
      {versions.data?.model_versions.length === 0 ? <Empty>No versions yet: add one above.</Empty> : null}
      <table>
        <tbody>
          {versions.data?.model_versions.map((v) => (
            <tr key={v.id}>
              <td data-label="Version">
                <Link to={`/versions/${v.id}`}>{v.version}</Link>
              </td>
              <td data-label="Stage">
                <StatusBadge status={v.stage} />
              </td>
              <td data-label="Promotion">{v.promotion_status === "NONE" ? "" : v.promotion_status}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {versions.data ? <Pager page={page} total={versions.data.total_records} limit={PAGE} onPage={setPage} /> : null}
    </section>
  );
}

export function PromotionAlert({
  version,
  onRetry,
  retrying,
  error,
}: {
  version: VersionPageAnswer;
  onRetry: () => void;
  retrying: boolean;
  error: unknown;
}) {
  switch (version.promotion_status) {
    case "NONE":
      return null;
    case "IN_PROGRESS":
      return (
        <div className="alert info" role="status">
          Promotion in progress… the deployment pipeline has been told and will call back.
        </div>
      );
    case "COMPLETE":
      return (
        <div className="alert ok" role="status">
          Promoted — deployed at{" "}
          {version.forwarding_url ? <a href={version.forwarding_url}>{version.forwarding_url}</a> : "an address the pipeline did not give"}
        </div>
      );
    case "FAILED":
      return (
        <div className="alert bad" role="alert">
          Promotion failed: {version.promotion_message ?? "no reason given"}{" "}
          <button type="button" onClick={onRetry} disabled={retrying}>
            {retrying ? "Retrying…" : "Retry"}
          </button>
          <ErrorNote error={error} />
        </div>
      );
  }
}

export function ScanPanel({ version }: { version: VersionPageAnswer }) {
  const queryClient = useQueryClient();
  const request = useMutation({
    mutationFn: () => api("POST", `${REGISTRY}/model_versions/${version.id}/scan`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["version", version.id] }),
  });
  const build = version.latest_build;
  const scan = build?.scan;
  let state;
  if (!build || !scan || scan.scan_status === "unscanned") state = <p>Not scanned yet.</p>;
  else if (build.status === "building" || scan.scan_status === "building")
    state = <p aria-busy="true">Building… the image is being built before the scan.</p>;
  else if (scan.scan_status === "scanning") state = <p aria-busy="true">Scanning… waiting for the scanner&apos;s result.</p>;
  else if (scan.scan_status === "error") state = <p className="error">Error: {scan.message ?? build.message ?? "the scan failed"}</p>;
  else
    state = (
      <p className={scan.safety_status === "safe" ? "ok" : "error"}>
        <strong>{scan.safety_status === "safe" ? "Safe" : "Unsafe"}</strong>
        {scan.url ? (
          <>
            {" "}
            — <a href={scan.url}>scanner details</a>
          </>
        ) : null}
      </p>
    );
  const busy = scan?.scan_status === "building" || scan?.scan_status === "scanning";
  return (
    <div className="card" aria-label="Security scan">
      <h2>Security scan</h2>
      {state}
      <button type="button" onClick={() => request.mutate()} disabled={request.isPending || busy}>
        {request.isPending ? "Requesting…" : "Request scan"}
      </button>
      <ErrorNote error={request.error} />
    </div>
  );
}

const STAGES: Stage[] = ["DEVELOPMENT", "STAGING", "PRODUCTION", "ARCHIVED"];

function Transitions({ version }: { version: VersionPageAnswer }) {
  const user = useUser();
  const queryClient = useQueryClient();
  const [stage, setStage] = useState<Stage>("PRODUCTION");
  const [comment, setComment] = useState("");
  const activities = useQuery({
    queryKey: ["transitions", version.id],
    queryFn: () => api<{ activities: ActivityAnswer[] }>("POST", `${REGISTRY}/stage/findTransitions`, { model_version_id: version.id }),
    refetchInterval: 3000,
  });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ["transitions", version.id] }),
      queryClient.invalidateQueries({ queryKey: ["version", version.id] }),
    ]);
  const create = useMutation({
    mutationFn: () => api("POST", `${REGISTRY}/stage/createTransition`, { model_version_id: version.id, desired_stage: stage, comment }),
    onSuccess: refresh,
  });
  const decide = useMutation({
    mutationFn: ({ action, id }: { action: "approve" | "reject" | "close"; id: number }) =>
      api("POST", `${REGISTRY}/stage/${action}Transition`, { transition_id: id, comment: "" }),
    onSuccess: refresh,
  });
  const pending = (activities.data?.activities ?? []).filter((a) => a.transition?.state === "PENDING");
  const secondaryDecision = (action: "reject" | "close", label: string, activity: ActivityAnswer) => (
    <button
      type="button"
      className="secondary"
      disabled={decide.isPending}
      onClick={() => decide.mutate({ action, id: activity.transition?.id ?? 0 })}
    >
      {label}
    </button>
  );
  return (
    <div className="card" aria-label="Stage">
      <h2>
        Stage: <StatusBadge status={version.stage} />
      </h2>
      {!version.promotion_eligible && version.promotion_ineligible_reason ? (
        <p className="warning">This version {version.promotion_ineligible_reason}.</p>
      ) : null}
      <form className="inline" aria-label="Request a stage transition" onSubmit={submitWith(() => create.mutate())}>
        <label htmlFor="desired-stage">Move to</label>
        <select id="desired-stage" value={stage} onChange={(e) => setStage(e.target.value as Stage)}>
          {STAGES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <label htmlFor="transition-comment">Comment</label>
        <input id="transition-comment" value={comment} onChange={(e) => setComment(e.target.value)} />
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? "Requesting…" : "Request transition"}
        </button>
      </form>
      <ErrorNote error={create.error} />
      {pending.length === 0 ? <p className="muted">No transition waiting for review.</p> : null}
      {pending.map((activity) => {
        const own = activity.author_id === user.user_id;
        return (
          <div className="transition" key={activity.id}>
            <p>
              {activity.transition?.source_stage} → <strong>{activity.transition?.desired_stage}</strong> requested{" "}
              <Time value={activity.time_created} />
              {activity.comment ? `: “${activity.comment}”` : ""}
            </p>
            <button
              type="button"
              disabled={own || decide.isPending}
              aria-describedby={own ? `own-${activity.id}` : undefined}
              onClick={() => decide.mutate({ action: "approve", id: activity.transition?.id ?? 0 })}
            >
              Approve
            </button>{" "}
            {secondaryDecision("reject", "Reject", activity)} {own ? secondaryDecision("close", "Close", activity) : null}
            {own ? (
              <p className="muted small" id={`own-${activity.id}`}>
                You requested this transition: another member of the workspace must approve it.
              </p>
            ) : null}
          </div>
        );
      })}
      <ErrorNote error={decide.error} />
    </div>
  );
}

export function VersionPage({ versionId }: { versionId: number }) {
  const queryClient = useQueryClient();
  const version = useQuery({
    queryKey: ["version", versionId],
    queryFn: () => api<{ model_version: VersionPageAnswer }>("GET", `${REGISTRY}/model_versions/${versionId}`),
    refetchInterval: 2000,
  });
  const retry = useMutation({
    mutationFn: () => api("POST", `${REGISTRY}/model_versions/${versionId}/promotion/retry`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["version", versionId] }),
  });
  if (version.isPending || version.error) return <QueryStatus query={version} what="the version" />;
  const v = version.data.model_version;
  return (
    <section>
      <h1>Version {v.version}</h1>
      <p className="muted">
        created <Time value={v.time_created} />
        {v.promotion_updated_at ? (
          <>
            {" "}
            · promotion changed <Time value={v.promotion_updated_at} />
          </>
        ) : null}
      </p>
      <PromotionAlert version={v} onRetry={() => retry.mutate()} retrying={retry.isPending} error={retry.error} />
      <div className="grid">
        <Transitions version={v} />
        <ScanPanel version={v} />
      </div>
    </section>
  );
}

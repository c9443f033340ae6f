// The two documented webhook flows, played over HTTP the way users and their services do:
// an admin sets up a workspace, webhooks and flags; a data scientist and a reviewer promote a model
// version; the local receiver, acting as the deployment pipeline, calls back COMPLETE; then a scan
// is requested, and the receiver, acting as the scanner, posts `safe` once the build is ready.
import { randomBytes } from "node:crypto";
import { ADMIN_PATH as ADMIN, EVENTS_PATH as EVENTS, type ApiClient, type Webhook } from "../lib/api-client.js";
import { waitFor } from "../lib/wait-for.js";
import { DemoReceiver, type Delivery } from "./demo-receiver.js";

const REGISTRY = "/api/v1/registry";
const STAGE = "/api/v1/registry/stage";
const DEPLOYMENT = "/api/v1/deployment";
const PIPELINE_PATH = "/pipeline";
const SCANNER_PATH = "/scanner";
const MODEL_NAME = "churn-predictor";

interface Workspace {
  id: number;
  name: string;
}
/** A member of the workspace, and the API as that member calls it. */
interface Member {
  id: number;
  email: string;
  api: ApiClient;
}
interface ModelVersion {
  id: number;
  version: string;
  stage: string;
  promotion_status: string;
  promotion_message?: string;
  redirect_metadata: string;
  forwarding_url?: string;
}
interface Activity {
  transition: { id: number; source_stage: string; desired_stage: string; state: string };
}
interface Build {
  id: number;
  status: string;
  image_url?: string;
  message?: string;
}
interface Scan {
  build_id: number;
  scan_status: string;
  safety_status: string;
  message?: string;
  scan_external_status: { safety_status: string; url: string };
}
interface WebhookCall {
  id: number;
  webhook_id: number;
  event_uuid: string;
  status: string;
  attempts: number;
  response?: { status_code: number; error?: string } | null;
}

export interface DemoOptions {
  /** The service, as its system admin. */
  api: ApiClient;
  /** Bound of every wait (a delivery, the build, the delivery log). */
  timeoutMs: number;
  print: (line: string) => void;
}

export interface DemoResult {
  summary: string;
}

interface Scene {
  /** As the admin. */
  api: ApiClient;
  timeoutMs: number;
  receiver: DemoReceiver;
  secrets: ReadonlyMap<string, string>;
  /** A numbered step: what someone did. */
  step: (text: string) => void;
  /** Under a step: what the user would see. */
  show: (text: string) => void;
}

interface Team {
  workspace: Workspace;
  scientist: Member;
  reviewer: Member;
  pipelineHook: Webhook;
  scannerHook: Webhook;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const secrets = new Map([
    [PIPELINE_PATH, randomBytes(24).toString("base64url")],
    [SCANNER_PATH, randomBytes(24).toString("base64url")],
  ]);
  const receiver = await DemoReceiver.start(secrets);
  let stepNumber = 0;
  const scene: Scene = {
    ...options,
    receiver,
    secrets,
    step: (text) => options.print(`\n${String(++stepNumber).padStart(2)}. ${text}`),
    show: (text) => options.print(`      ${text}`),
  };
  const started = Date.now();
  try {
    const team = await setUp(scene);
    const promoted = await promote(scene, team);
    const scan = await requestScan(scene, team, promoted.id);
    await showDeliveryLog(scene, team);
    return {
      summary:
        `${MODEL_NAME} ${promoted.version} is in ${promoted.stage} (promotion ${promoted.promotion_status}, forwarding to ${promoted.forwarding_url}), ` +
        `build ${scan.build_id} scanned ${scan.safety_status}; ${receiver.verified} deliveries received, every signature verified (${seconds(Date.now() - started)})`,
    };
  } finally {
    await receiver.close();
  }
}

/** The platform admin: a workspace with two members, both flags on, one webhook per receiver role. */
async function setUp({ api, receiver, secrets, step, show }: Scene): Promise<Team> {
  const stamp = `${new Date().toISOString().slice(0, 19).replace(/\D/g, "")}-${randomBytes(2).toString("hex")}`;
  const workspace: Workspace = await api.createWorkspace(`demo-${stamp}`);
  const createUser = async (role: string): Promise<Member> => {
    const user = await api.createUser({ email: `${role}-${stamp}@example.com`, workspace_ids: [workspace.id] });
    return { id: user.id, email: user.email, api: api.as({ email: user.email, key: user.developer_key }) };
  };
  const scientist = await createUser("data-scientist");
  const reviewer = await createUser("reviewer");
  step(`admin creates workspace ${workspace.name} (id ${workspace.id}) and two members`);
  show(`data scientist ${scientist.email} (id ${scientist.id}), reviewer ${reviewer.email} (id ${reviewer.id})`);

  for (const flag of ["PROMOTION_EVENTS", "SCAN_EVENTS"]) {
    await api.put(`${ADMIN}/workspaces/${workspace.id}/feature-flags/${flag}`, { enabled: true });
  }
  step(`admin enables the feature flags PROMOTION_EVENTS and SCAN_EVENTS for ${workspace.name}`);

  const createWebhook = (name: string, path: string, eventType: "PROMOTE" | "REQUEST_SCAN") =>
    api.createWebhook({
      name,
      workspace_id: workspace.id,
      location: receiver.url(path),
      event_types: [eventType],
      all_events: false,
      mutual_secret: secrets.get(path),
    });
  const pipelineHook = await createWebhook("deployment-pipeline", PIPELINE_PATH, "PROMOTE");
  const scannerHook = await createWebhook("security-scanner", SCANNER_PATH, "REQUEST_SCAN");
  step("admin registers two webhooks on the local receiver, each with its own mutual secret");
  for (const hook of [pipelineHook, scannerHook]) {
    show(
      `webhook ${hook.id} ${hook.name}: ${hook.event_types.join(", ")} → ${hook.location} (status ${hook.status}, has_mutual_secret ${hook.has_mutual_secret})`,
    );
  }
  return { workspace, scientist, reviewer, pipelineHook, scannerHook };
}

/** Register, request, approve; the pipeline gets PROMOTE, fails once (retried), then calls back COMPLETE with the forwarding address. */
async function promote(scene: Scene, { workspace, scientist, reviewer, pipelineHook }: Team): Promise<ModelVersion> {
  const { step, show } = scene;
  const model = (
    await scientist.api.post<{ registered_model: { id: number; name: string } }>(
      `${REGISTRY}/workspaces/${workspace.name}/registered_models`,
      {
        name: MODEL_NAME,
        description: "predicts customer churn",
      },
    )
  ).registered_model;
  const created = (
    await scientist.api.post<{ model_version: ModelVersion }>(`${REGISTRY}/registered_models/${model.id}/model_versions`, { version: "v1" })
  ).model_version;
  step(`data scientist registers model ${model.name} (id ${model.id}) and its version ${created.version} (id ${created.id})`);
  show(`model version page: stage ${created.stage}, promotion_status ${created.promotion_status}`);

  const requested = await scientist.api.post<Activity>(`${STAGE}/createTransition`, {
    model_version_id: created.id,
    desired_stage: "PRODUCTION",
    comment: "AUC 0.91 on the holdout set",
  });
  step(
    `data scientist requests promotion to PRODUCTION: transition ${requested.transition.id} ${requested.transition.source_stage} → ${requested.transition.desired_stage}, ${requested.transition.state}`,
  );

  const approved = await reviewer.api.post<Activity>(`${STAGE}/approveTransition`, {
    transition_id: requested.transition.id,
    comment: "lgtm",
  });
  const promoting = await getVersion(scientist, created.id);
  step(`reviewer approves transition ${approved.transition.id}: ${approved.transition.state}`);
  show(`model version page: stage ${promoting.stage}, promotion_status ${promoting.promotion_status} ("promotion in progress")`);
  if (promoting.promotion_status !== "IN_PROGRESS")
    throw new Error(`expected promotion_status IN_PROGRESS after the approval, got ${promoting.promotion_status}`);

  const delivery = await expectDelivery(scene, pipelineHook, PIPELINE_PATH, "PROMOTE");
  const event = delivery.event.new_entity;
  step(`pipeline: PROMOTE received, signature verified (${deliveryLabel(delivery)})`);
  show(
    `${event?.registered_model?.name} ${event?.model_version?.version} → stage ${event?.model_version?.stage}, promotion_status ${event?.model_version?.promotion_status}, approved by ${event?.approved_by?.email}`,
  );

  // The first rollout fails, visibly: the pipeline says why, the people involved are told, and
  // the data scientist retries from the version page. The call-backs use the integration's
  // system-admin key: a member's key cannot speak for the pipeline.
  const versionPath = `${REGISTRY}/registered_models/${model.id}/model_versions/${created.id}`;
  await scene.api.patch(versionPath, {
    promotion_status: "FAILED",
    promotion_message: "canary failed: error rate 12% on 5% of traffic",
  });
  step(`pipeline's canary fails; it calls back: PATCH model version ${created.id} {promotion_status: FAILED, promotion_message: …}`);
  const failed = await getVersion(scientist, created.id);
  show(`model version page: promotion_status ${failed.promotion_status} ("Promotion failed: ${failed.promotion_message ?? ""}")`);
  if (failed.promotion_status !== "FAILED") throw new Error(`expected promotion_status FAILED, got ${failed.promotion_status}`);
  const inbox = await scientist.api.get<{ notifications: Array<{ title: string }>; unread_count: number }>("/api/v1/notifications");
  show(`data scientist's bell: ${inbox.unread_count} unread — "${inbox.notifications[0]?.title ?? "(none)"}"`);
  if (inbox.unread_count < 1) throw new Error("expected the data scientist to be told of the failed promotion");

  const retried = await scientist.api.post<{ model_version: ModelVersion }>(`${REGISTRY}/model_versions/${created.id}/promotion/retry`, {});
  step(`data scientist fixes the canary config and clicks Retry: promotion_status ${retried.model_version.promotion_status}`);
  const again = await expectDelivery(scene, pipelineHook, PIPELINE_PATH, "PROMOTE");
  step(`pipeline: a new PROMOTE received, signature verified (${deliveryLabel(again)})`);

  // The call-back, as Verta documents it: redirect_metadata is JSON text.
  const forwardingUrl = `https://serving.example.com/${workspace.name}/${model.name}/${created.version}`;
  const patched = await scene.api.patch<{ model_version: ModelVersion }>(versionPath, {
    promotion_status: "COMPLETE",
    redirect_metadata: JSON.stringify({ url: forwardingUrl }),
  });
  step(
    `pipeline deploys it, then calls back with the integration's admin key: PATCH model version ${created.id} {promotion_status: COMPLETE, redirect_metadata: {"url": "${forwardingUrl}"}}`,
  );
  show(`answer: promotion_status ${patched.model_version.promotion_status}, forwarding_url ${patched.model_version.forwarding_url}`);
  const done = await getVersion(reviewer, created.id);
  show(`model version page: stage ${done.stage}, promotion_status ${done.promotion_status}, forwarding_url ${done.forwarding_url}`);
  if (done.promotion_status !== "COMPLETE" || done.forwarding_url !== forwardingUrl) {
    throw new Error(
      `expected COMPLETE at ${forwardingUrl}, the version shows ${done.promotion_status} at ${done.forwarding_url ?? "(no forwarding url)"}`,
    );
  }
  return done;
}

/** Request a scan; once the build is ready the scanner gets REQUEST_SCAN and posts `safe`. */
async function requestScan(scene: Scene, { scientist, reviewer, scannerHook }: Team, versionId: number): Promise<Scan> {
  const { timeoutMs, step, show } = scene;
  const requested = await scientist.api.post<{ build_id: number; scan_status: string }>(`${REGISTRY}/model_versions/${versionId}/scan`, {});
  step(`data scientist clicks "request scan": build ${requested.build_id}, scan_status ${requested.scan_status}`);

  const buildStarted = Date.now();
  const build = await waitFor(
    async () => {
      const current = await scientist.api.get<Build>(`${DEPLOYMENT}/builds/${requested.build_id}`);
      if (current.status === "error") throw new Error(`build ${current.id} failed: ${current.message ?? "no reason given"}`);
      return current.status === "building" ? undefined : current;
    },
    { what: `build ${requested.build_id} to finish`, timeoutMs, intervalMs: 250, onError: "fail" },
  );
  step(`waiting for the build: build ${build.id} ${build.status} after ${seconds(Date.now() - buildStarted)} (image ${build.image_url})`);

  const delivery = await expectDelivery(scene, scannerHook, SCANNER_PATH, "REQUEST_SCAN");
  const event = delivery.event.new_entity;
  step(`scanner: REQUEST_SCAN received, signature verified (${deliveryLabel(delivery)})`);
  show(
    `scan ${event?.registered_model?.name} ${event?.model_version?.version}: build ${event?.scan_request?.buildId}, image ${event?.scan_request?.imageUrl}`,
  );

  // The scanner's call-back, Verta's example script in shape, with the integration's system-admin key.
  const buildId = event?.scan_request?.buildId ?? requested.build_id;
  await scene.api.put(`${DEPLOYMENT}/workspace/${delivery.event.workspace_name}/builds/${buildId}/scan`, {
    scan_status: "scanned",
    scan_external_results: { url: `https://scanner.example.com/reports/${buildId}`, safety_status: "safe" },
  });
  step(
    `scanner finds nothing and posts its verdict with the integration's admin key: PUT build ${buildId} scan {scan_status: scanned, safety_status: safe}`,
  );
  const scan = await reviewer.api.get<Scan>(`${DEPLOYMENT}/builds/${buildId}/scan`);
  show(`model version page: scan_status ${scan.scan_status}, safety_status ${scan.safety_status}, report ${scan.scan_external_status.url}`);
  if (scan.scan_status !== "scanned" || scan.safety_status !== "safe")
    throw new Error(`expected scanned/safe, the build shows ${scan.scan_status}/${scan.safety_status}`);
  return scan;
}

/** What the admin sees in the delivery log: one call per event, delivered at the first attempt. */
async function showDeliveryLog({ api, timeoutMs, step, show }: Scene, { pipelineHook, scannerHook }: Team): Promise<void> {
  // The worker records the outcome just after the receiver answers: wait for it, bounded.
  const calls = await waitFor(
    async () => {
      const found = await api.post<{ calls: WebhookCall[] }>(`${EVENTS}/findWebhookCall`, {
        webhook_ids: [pipelineHook.id, scannerHook.id],
      });
      return found.calls.length >= 2 && found.calls.every((call) => call.status === "SUCCESS") ? found.calls : undefined;
    },
    { what: "both webhook calls to be recorded as SUCCESS", timeoutMs, intervalMs: 200, onError: "fail" },
  );
  step("admin looks at the delivery log (findWebhookCall)");
  for (const call of [...calls].reverse()) {
    const hook = call.webhook_id === pipelineHook.id ? pipelineHook : scannerHook;
    show(
      `call ${call.id} → ${hook.name}: ${call.status} after ${call.attempts} attempt(s), HTTP ${call.response?.status_code}, event ${call.event_uuid}`,
    );
  }
}

/** The next verified delivery; on a timeout, the reason comes from what the service recorded. */
function expectDelivery({ api, receiver, timeoutMs }: Scene, hook: Webhook, path: string, eventType: string): Promise<Delivery> {
  return receiver.next(path, eventType, timeoutMs).catch(async (error: Error) => {
    throw new Error(`${error.message}\n${await describeCalls(api, hook)}`);
  });
}

async function getVersion(member: Member, versionId: number): Promise<ModelVersion> {
  return (await member.api.get<{ model_version: ModelVersion }>(`${REGISTRY}/model_versions/${versionId}`)).model_version;
}

function deliveryLabel(delivery: Delivery): string {
  return `webhook ${delivery.event.webhook.name}, webhook-id ${delivery.webhookId}, attempt ${delivery.attempt}`;
}

/** Why a delivery did not come: what the service recorded for the webhook. */
async function describeCalls(api: ApiClient, hook: Webhook): Promise<string> {
  try {
    const { calls } = await api.post<{ calls: WebhookCall[] }>(`${EVENTS}/findWebhookCall`, { webhook_ids: [hook.id] });
    if (calls.length === 0) return `the service recorded no call to webhook ${hook.name}: is its worker running?`;
    return calls
      .map(
        (call) =>
          `call ${call.id} to ${hook.name}: ${call.status} after ${call.attempts} attempt(s), last answer ${call.response?.status_code ?? "none"}${call.response?.error ? ` (${call.response.error})` : ""}`,
      )
      .join("\n");
  } catch (error) {
    return `(could not read the delivery log: ${(error as Error).message})`;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

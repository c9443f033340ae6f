import { expect } from "@jest/globals";
import { waitFor } from "../../scripts/lib/wait-for.js";
import { ADMIN, EVENTS, type Caller, type Harness } from "./harness.js";

export const REGISTRY = "/api/v1/registry";
export const STAGE = "/api/v1/registry/stage";
export const DEPLOYMENT = "/api/v1/deployment";

/** The steps of the two registry flows, as a user's scripts call them; each asserts success. */
export function registrySteps(h: Harness) {
  const ok = async (call: Promise<{ status: number; body: any }>, status = 200) => {
    const response = await call;
    if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const getVersion = async (versionId: number, caller: Caller) =>
    (
      await ok(
        h.request
          .get(`${REGISTRY}/model_versions/${versionId}`)
          .set("grpc-metadata-email", caller.email)
          .set("grpc-metadata-developer_key", caller.key),
      )
    ).model_version;
  const getScan = (buildId: number, caller: Caller) =>
    ok(
      h.request
        .get(`${DEPLOYMENT}/builds/${buildId}/scan`)
        .set("grpc-metadata-email", caller.email)
        .set("grpc-metadata-developer_key", caller.key),
    );
  /** The caller's notifications (all of them, newest first). */
  const notifications = async (caller: Caller) =>
    (
      await ok(
        h.request
          .get("/api/v1/notifications?page_limit=200")
          .set("grpc-metadata-email", caller.email)
          .set("grpc-metadata-developer_key", caller.key),
      )
    ).notifications as Array<{
      id: number;
      kind: string;
      title: string;
      body: string;
      link: Record<string, number>;
      read_at: string | null;
    }>;
  return {
    ok,
    getVersion,
    getScan,
    /** Waits until the version page shows `promotion_status`; resolves with the version. */
    versionWhen: (versionId: number, caller: Caller, status: string, what: string) =>
      shownWhen(() => getVersion(versionId, caller), "promotion_status", status, what),
    /** Waits until the build's scan shows `scan_status`; resolves with the scan. */
    scanWhen: (buildId: number, caller: Caller, status: string, what: string) =>
      shownWhen(() => getScan(buildId, caller), "scan_status", status, what),
    setFlag: (workspaceId: number, flag: "PROMOTION_EVENTS" | "SCAN_EVENTS", enabled: boolean) =>
      ok(
        h.request
          .put(`/api/v1/admin/workspaces/${workspaceId}/feature-flags/${flag}`)
          .set("grpc-metadata-email", ADMIN.email)
          .set("grpc-metadata-developer_key", ADMIN.key)
          .send({ enabled }),
      ),
    createWebhook: (workspaceId: number, body: Record<string, unknown>) =>
      ok(h.post(`${EVENTS}/createWebhook`, { workspace_id: workspaceId, ...body })),
    createModel: async (workspaceName: string, name: string, caller: Caller, labels: string[] = []) =>
      (await ok(h.post(`${REGISTRY}/workspaces/${workspaceName}/registered_models`, { name, description: "churn model", labels }, caller)))
        .registered_model,
    createVersion: async (modelId: number, version: string, caller: Caller, labels: string[] = []) =>
      (await ok(h.post(`${REGISTRY}/registered_models/${modelId}/model_versions`, { version, labels }, caller))).model_version,
    requestTransition: (versionId: number, desiredStage: string, caller: Caller) =>
      ok(
        h.post(
          `${STAGE}/createTransition`,
          { model_version_id: versionId, desired_stage: desiredStage, comment: "ready for prime time" },
          caller,
        ),
      ),
    approve: (transitionId: number, caller: Caller) =>
      h.post(`${STAGE}/approveTransition`, { transition_id: transitionId, comment: "lgtm" }, caller),
    requestScan: (versionId: number, caller: Caller) => ok(h.post(`${REGISTRY}/model_versions/${versionId}/scan`, {}, caller)),
    retryPromotion: (versionId: number, caller: Caller) => h.post(`${REGISTRY}/model_versions/${versionId}/promotion/retry`, {}, caller),
    /** The kinds of the caller's notifications, newest first. */
    notificationKinds: async (caller: Caller) => (await notifications(caller)).map((notification) => notification.kind),
    notifications,
    /** PATCH a model version; the admin (the deployment pipeline's credentials) by default. */
    patchVersion: (modelId: number, versionId: number, body: object, caller: Caller = ADMIN) =>
      h.request
        .patch(`${REGISTRY}/registered_models/${modelId}/model_versions/${versionId}`)
        .set("grpc-metadata-email", caller.email)
        .set("grpc-metadata-developer_key", caller.key)
        .send(body),
    /** The scanner's verdict; the admin (the scanner's credentials) by default. */
    putScanResult: (workspaceName: string, buildId: number, safety: string, caller: Caller = ADMIN) =>
      h.request
        .put(`${DEPLOYMENT}/workspace/${workspaceName}/builds/${buildId}/scan`)
        .set("grpc-metadata-email", caller.email)
        .set("grpc-metadata-developer_key", caller.key)
        .send({
          scan_status: "scanned",
          scan_external_results: { url: `https://scanner.example.com/reports/${buildId}`, safety_status: safety },
        }),
  };
}

/** Polls what a page shows until its `field` reads `value`; resolves with what it showed. */
function shownWhen(read: () => Promise<Record<string, any>>, field: string, value: string, what: string) {
  return waitFor(
    async () => {
      const shown = await read();
      return shown[field] === value && shown;
    },
    { what },
  );
}

export function expectIsoAfter(later: string, earlier: Date) {
  expect(new Date(later).getTime()).toBeGreaterThanOrEqual(earlier.getTime());
}

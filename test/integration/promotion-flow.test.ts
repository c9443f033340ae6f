import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { createHarness, type Caller, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { waitForIdle } from "../support/pipeline-idle.js";
import { REGISTRY, registrySteps } from "../support/registry-steps.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

let h: Harness;
let receiver: Receiver;
let steps: ReturnType<typeof registrySteps>;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  receiver = await Receiver.start();
  steps = registrySteps(h);
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

async function team() {
  const workspace = await h.createWorkspace();
  const author = await h.createUser([workspace.id]);
  const approver = await h.createUser([workspace.id]);
  return { workspace, author, approver };
}

/** A deployment pipeline that takes PROMOTE and answers 200 (without it, a promotion fails at once). */
const subscribePipeline = (workspaceId: number) =>
  steps.createWebhook(workspaceId, { name: "pipeline", location: receiver.url(`/pipeline-${workspaceId}`), event_types: ["PROMOTE"] });

/** A team whose version `name` v1 has its promotion to PRODUCTION approved: IN_PROGRESS, waiting for the pipeline. */
async function promotionInProgress(name: string) {
  const { workspace, author, approver } = await team();
  await steps.setFlag(workspace.id, "PROMOTION_EVENTS", true);
  await subscribePipeline(workspace.id);
  const model = await steps.createModel(workspace.name, name, author);
  const version = await steps.createVersion(model.id, "v1", author);
  const requested = await steps.requestTransition(version.id, "PRODUCTION", author);
  await steps.ok(steps.approve(requested.transition.id, approver));
  return { workspace, author, approver, model, version };
}

describe("promotion to Production", () => {
  it("approval emits PROMOTE; the pipeline's call-back marks it COMPLETE with the forwarding address", async () => {
    const { workspace, author, approver } = await team();
    await steps.setFlag(workspace.id, "PROMOTION_EVENTS", true);
    const path = `/jenkins-${workspace.id}`;
    const webhook = await steps.createWebhook(workspace.id, {
      name: "jenkins",
      location: receiver.url(path),
      event_types: ["PROMOTE"],
      mutual_secret: "jenkins-secret",
    });
    const model = await steps.createModel(workspace.name, "churn", author);
    const version = await steps.createVersion(model.id, "v1", author);
    expect(version).toMatchObject({ stage: "UNASSIGNED", promotion_status: "NONE", redirect_metadata: "" });

    const requested = await steps.requestTransition(version.id, "PRODUCTION", author);
    expect(requested).toMatchObject({
      model_version_id: version.id,
      author_id: author.id,
      transition: { source_stage: "UNASSIGNED", desired_stage: "PRODUCTION", state: "PENDING" },
    });
    const selfApproval = await steps.approve(requested.transition.id, author);
    expect(selfApproval.status).toBe(403);
    const approved = await steps.ok(steps.approve(requested.transition.id, approver));
    expect(approved).toMatchObject({
      author_id: approver.id,
      comment: "lgtm",
      transition: { id: requested.transition.id, state: "APPROVED" },
    });

    const promoting = await steps.getVersion(version.id, author);
    expect(promoting).toMatchObject({ stage: "PRODUCTION", promotion_status: "IN_PROGRESS" });

    const [delivery] = await waitFor(() => receiver.received(path).length > 0 && receiver.received(path), { what: "PROMOTE delivered" });
    new StandardWebhook(Buffer.from("jenkins-secret").toString("base64")).verify(
      delivery!.body,
      delivery!.headers as Record<string, string>,
    );
    const event = delivery!.json;
    expect(event).toMatchObject({
      event_type: "PROMOTE",
      resource_type: "MODEL_VERSION",
      workspace_id: workspace.id,
      workspace_name: workspace.name,
      webhook: { id: webhook.id, name: "jenkins" },
      test: false,
    });
    expect(event.original_entity.model_version).toMatchObject({ id: version.id, stage: "UNASSIGNED", promotion_status: "NONE" });
    expect(event.new_entity.model_version).toMatchObject({
      id: version.id,
      version: "v1",
      registered_model_id: model.id,
      stage: "PRODUCTION",
      promotion_status: "IN_PROGRESS",
    });
    expect(event.new_entity.registered_model).toEqual({ id: model.id, name: "churn" });
    expect(event.new_entity.transition).toMatchObject({
      id: requested.transition.id,
      source_stage: "UNASSIGNED",
      desired_stage: "PRODUCTION",
      state: "APPROVED",
      author_id: author.id,
    });
    expect(event.new_entity.approved_by).toEqual({ id: approver.id, email: approver.email });
    expect(delivery!.headers["webhook-id"]).toBe(event.event_uuid);

    // The pipeline calls back with its own (system admin) credentials, redirect_metadata as JSON text.
    const callback = await steps.ok(
      steps.patchVersion(model.id, version.id, {
        promotion_status: "COMPLETE",
        redirect_metadata: JSON.stringify({ url: "https://serving.example.com/churn/v1" }),
      }),
    );
    expect(callback.model_version).toMatchObject({ promotion_status: "COMPLETE", forwarding_url: "https://serving.example.com/churn/v1" });
    const shown = await steps.getVersion(version.id, approver);
    expect(shown).toMatchObject({
      stage: "PRODUCTION",
      promotion_status: "COMPLETE",
      forwarding_url: "https://serving.example.com/churn/v1",
    });
    expect(JSON.parse(shown.redirect_metadata)).toEqual({ url: "https://serving.example.com/churn/v1" });
  });

  it("a FAILED call-back needs a message and shows it; a JSON object is stored as its text", async () => {
    const { author, model, version } = await promotionInProgress("fraud");
    const patch = (body: object) => steps.patchVersion(model.id, version.id, body);
    const missing = await patch({ promotion_status: "FAILED" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0].path).toBe("promotion_message");
    expect((await steps.getVersion(version.id, author)).promotion_status).toBe("IN_PROGRESS");
    const failed = await steps.ok(
      patch({
        promotion_status: "FAILED",
        promotion_message: "canary failed: p99 latency 3s",
        redirect_metadata: { url: "https://old.example.com" },
      }),
    );
    expect(failed.model_version).toMatchObject({
      promotion_status: "FAILED",
      promotion_message: "canary failed: p99 latency 3s",
      redirect_metadata: '{"url":"https://old.example.com"}',
    });
    // A late COMPLETE still counts (the pipeline's word that it deployed); after it, nothing is in progress.
    expect((await patch({ promotion_status: "COMPLETE" })).status).toBe(200);
    expect((await patch({ promotion_status: "COMPLETE" })).status).toBe(409);
    expect((await patch({ promotion_status: "FAILED", promotion_message: "too late" })).status).toBe(409);
  });

  it("only a system admin speaks for the pipeline: a member's call-back is 403 and changes nothing", async () => {
    const { author, approver, model, version } = await promotionInProgress("gated");
    for (const body of [
      { promotion_status: "COMPLETE", redirect_metadata: '{"url":"https://evil.example.com"}' },
      { redirect_metadata: '{"url":"https://evil.example.com"}' },
      { promotion_status: "FAILED", promotion_message: "sabotage" },
    ]) {
      for (const member of [author, approver]) {
        const refused = await steps.patchVersion(model.id, version.id, body, member);
        expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 403, code: "permission_denied" });
      }
    }
    expect(await steps.getVersion(version.id, author)).toMatchObject({ promotion_status: "IN_PROGRESS", redirect_metadata: "" });
    // A member still edits the version's own fields.
    const edited = await steps.ok(steps.patchVersion(model.id, version.id, { description: "retrained" }, author));
    expect(edited.model_version).toMatchObject({ description: "retrained", promotion_status: "IN_PROGRESS" });
  });

  it("with PROMOTION_EVENTS off the stage still changes, no PROMOTE goes out, promotion_status stays unset", async () => {
    const { workspace, author, approver } = await team();
    const path = `/flag-off-${workspace.id}`;
    await steps.createWebhook(workspace.id, { name: "all", location: receiver.url(path), all_events: true });
    const model = await steps.createModel(workspace.name, "quiet", author);
    const version = await steps.createVersion(model.id, "v1", author);
    const requested = await steps.requestTransition(version.id, "PRODUCTION", author);
    await steps.ok(steps.approve(requested.transition.id, approver));
    expect(await steps.getVersion(version.id, author)).toMatchObject({ stage: "PRODUCTION", promotion_status: "NONE" });
    // CREATE model, CREATE version, UPDATE version (the stage): then nothing else.
    // Every event the approval recorded is fanned out and delivered: a PROMOTE would be among them.
    await waitForIdle(h);
    const types = receiver.received(path).map((request) => `${request.json.event_type} ${request.json.resource_type}`);
    expect(types.sort()).toEqual(["CREATE MODEL_VERSION", "CREATE REGISTERED_MODEL", "UPDATE MODEL_VERSION"]);
    expect(await h.api.db.event.count({ where: { workspaceId: workspace.id, eventType: "PROMOTE" } })).toBe(0);
  });

  it("reject, close and updateStage follow their rules, and findTransitions lists them by state", async () => {
    const { workspace, author, approver } = await team();
    const model = await steps.createModel(workspace.name, "stages", author);
    const version = await steps.createVersion(model.id, "v1", author);
    const first = await steps.requestTransition(version.id, "STAGING", author);
    expect((await h.post("/api/v1/registry/stage/rejectTransition", { transition_id: first.transition.id }, author)).status).toBe(403);
    await steps.ok(h.post("/api/v1/registry/stage/rejectTransition", { transition_id: first.transition.id, comment: "not yet" }, approver));
    expect((await steps.approve(first.transition.id, approver)).status).toBe(409);
    const second = await steps.requestTransition(version.id, "STAGING", author);
    expect((await h.post("/api/v1/registry/stage/closeTransition", { transition_id: second.transition.id }, approver)).status).toBe(403);
    await steps.ok(h.post("/api/v1/registry/stage/closeTransition", { transition_id: second.transition.id }, author));
    expect((await steps.getVersion(version.id, author)).stage).toBe("UNASSIGNED");

    expect((await h.post("/api/v1/registry/stage/updateStage", { model_version_id: version.id, stage: "STAGING" }, author)).status).toBe(
      403,
    );
    const toProduction = await h.post("/api/v1/registry/stage/updateStage", { model_version_id: version.id, stage: "PRODUCTION" });
    expect(toProduction.status).toBe(400);
    await steps.ok(
      h.post("/api/v1/registry/stage/updateStage", { model_version_id: version.id, stage: "STAGING", comment: "admin override" }),
    );
    expect((await steps.getVersion(version.id, author)).stage).toBe("STAGING");

    const all = await steps.ok(h.post("/api/v1/registry/stage/findTransitions", { model_version_id: version.id }, author));
    expect(all.activities.map((activity: any) => activity.transition.state)).toEqual(["CLOSED", "REJECTED"]);
    const rejected = await steps.ok(
      h.post("/api/v1/registry/stage/findTransitions", { model_version_id: version.id, state: ["REJECTED"] }, author),
    );
    expect(rejected.activities.map((activity: any) => activity.transition.id)).toEqual([first.transition.id]);
  });
});

describe("the lists the console pages through", () => {
  it("models by name and versions newest first, one page at a time, with the total", async () => {
    const { workspace, author } = await team();
    const models = [];
    for (const name of ["cedar", "alder", "birch"]) models.push(await steps.createModel(workspace.name, name, author));
    for (const version of ["v1", "v2", "v3"]) await steps.createVersion(models[0].id, version, author);
    const get = async (path: string) =>
      (
        await h.request
          .get(`${REGISTRY}${path}`)
          .set("grpc-metadata-email", author.email)
          .set("grpc-metadata-developer_key", author.key)
          .expect(200)
      ).body;

    const secondModel = await get(`/workspaces/${workspace.name}/registered_models?page_limit=1&page_number=2`);
    expect({ names: secondModel.registered_models.map((m: { name: string }) => m.name), total: secondModel.total_records }).toEqual({
      names: ["birch"],
      total: 3,
    });
    const versions = await get(`/registered_models/${models[0].id}/model_versions?page_limit=2&page_number=2`);
    expect({ names: versions.model_versions.map((v: { version: string }) => v.version), total: versions.total_records }).toEqual({
      names: ["v1"],
      total: 3,
    });
  });
});

describe("isolation", () => {
  it("a user of another workspace cannot see, transition, approve or call back (404), and nothing changes", async () => {
    const { workspace, author, approver } = await team();
    const outsiderWorkspace = await h.createWorkspace();
    const outsider: Caller = await h.createUser([outsiderWorkspace.id]);
    await steps.setFlag(workspace.id, "PROMOTION_EVENTS", true);
    const model = await steps.createModel(workspace.name, "private", author);
    const version = await steps.createVersion(model.id, "v1", author);
    const requested = await steps.requestTransition(version.id, "PRODUCTION", author);

    const get = (path: string) =>
      h.request.get(path).set("grpc-metadata-email", outsider.email).set("grpc-metadata-developer_key", outsider.key);
    expect((await get(`${REGISTRY}/registered_models/${model.id}`)).status).toBe(404);
    expect((await get(`${REGISTRY}/model_versions/${version.id}`)).status).toBe(404);
    expect((await get(`${REGISTRY}/workspaces/${workspace.name}/registered_models/private`)).status).toBe(404);
    expect((await h.post(`${REGISTRY}/workspaces/${workspace.name}/registered_models`, { name: "intruder" }, outsider)).status).toBe(404);
    expect((await steps.approve(requested.transition.id, outsider)).status).toBe(404);
    expect(
      (await h.post("/api/v1/registry/stage/createTransition", { model_version_id: version.id, desired_stage: "STAGING" }, outsider))
        .status,
    ).toBe(404);
    expect((await h.post(`${REGISTRY}/model_versions/${version.id}/scan`, {}, outsider)).status).toBe(404);

    await steps.ok(steps.approve(requested.transition.id, approver));
    const promoting = await steps.getVersion(version.id, author);
    const callback = await h.request
      .patch(`${REGISTRY}/registered_models/${model.id}/model_versions/${version.id}`)
      .set("grpc-metadata-email", outsider.email)
      .set("grpc-metadata-developer_key", outsider.key)
      .send({ promotion_status: "COMPLETE", redirect_metadata: '{"url":"https://evil.example.com"}' });
    expect(callback.status).toBe(404);
    expect(await steps.getVersion(version.id, author)).toEqual(promoting);
    expect(await h.api.db.registeredModel.count({ where: { name: "intruder" } })).toBe(0);
    expect(await h.api.db.build.count({ where: { modelVersionId: version.id } })).toBe(0);
  });
});

describe("bad input changes nothing", () => {
  it("unknown stage, missing ids, a transition for a missing version: 4xx naming the problem", async () => {
    const { workspace, author } = await team();
    const model = await steps.createModel(workspace.name, "strict", author);
    const version = await steps.createVersion(model.id, "v1", author);
    const before = await h.api.db.stageTransition.count();
    const unknownStage = await h.post(
      "/api/v1/registry/stage/createTransition",
      { model_version_id: version.id, desired_stage: "PRODUCTIONISH" },
      author,
    );
    expect(unknownStage.status).toBe(400);
    expect(unknownStage.body.error.details[0].path).toBe("desired_stage");
    const missingId = await h.post("/api/v1/registry/stage/createTransition", { desired_stage: "STAGING" }, author);
    expect(missingId.status).toBe(400);
    expect(missingId.body.error.details[0].path).toBe("model_version_id");
    const noVersion = await h.post(
      "/api/v1/registry/stage/createTransition",
      { model_version_id: 999_999, desired_stage: "STAGING" },
      author,
    );
    expect(noVersion.status).toBe(404);
    expect(noVersion.body.error.message).toMatch(/model version 999999/);
    const noTransition = await h.post("/api/v1/registry/stage/approveTransition", { transition_id: 999_999 }, author);
    expect(noTransition.status).toBe(404);
    const badPatch = await h.request
      .patch(`${REGISTRY}/registered_models/${model.id}/model_versions/${version.id}`)
      .set("grpc-metadata-email", author.email)
      .set("grpc-metadata-developer_key", author.key)
      .send({ promotion_status: "DONE" });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error.details[0].path).toBe("promotion_status");
    expect(await h.api.db.stageTransition.count()).toBe(before);
    expect(await steps.getVersion(version.id, author)).toMatchObject({ stage: "UNASSIGNED", promotion_status: "NONE" });
  });

  it("a body naming another entity than its path is refused, field named, and nothing changes", async () => {
    const { workspace, author } = await team();
    const model = await steps.createModel(workspace.name, "pathed", author);
    const version = await steps.createVersion(model.id, "v1", author);
    const send = (path: string, body: object) =>
      h.request
        .patch(`${REGISTRY}${path}`)
        .set("grpc-metadata-email", author.email)
        .set("grpc-metadata-developer_key", author.key)
        .send(body);
    const cases = [
      { path: `/registered_models/${model.id}`, body: { id: model.id + 1, description: "changed" }, field: "id" },
      {
        path: `/registered_models/${model.id}/model_versions/${version.id}`,
        body: { id: version.id + 1, description: "changed" },
        field: "id",
      },
      {
        path: `/registered_models/${model.id}/model_versions/${version.id}`,
        body: { registered_model_id: model.id + 1, description: "changed" },
        field: "registered_model_id",
      },
    ];
    for (const { path, body, field } of cases) {
      const answer = await send(path, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error.details[0].path).toBe(field);
    }
    const matching = await send(`/registered_models/${model.id}/model_versions/${version.id}`, { id: version.id, description: "same ids" });
    expect(matching.status).toBe(200);
    expect((await h.api.db.registeredModel.findUniqueOrThrow({ where: { id: model.id } })).description).toBe(model.description);
    expect((await h.api.db.modelVersion.findUniqueOrThrow({ where: { id: version.id } })).description).toBe("same ids");
  });
});

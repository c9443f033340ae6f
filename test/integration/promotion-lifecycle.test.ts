import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ADMIN, createHarness, type Caller, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { registrySteps } from "../support/registry-steps.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// Every promotion ends in a state a person sees, and the transition's author and approver are
// told (docs/lifecycles.md): no subscriber, every PROMOTE call failed, no call-back in time,
// the pipeline's own COMPLETE or FAILED. Short attempts and deadline so each path ends quickly.

const CALLBACK_TIMEOUT_MS = 2500;
let h: Harness;
let receiver: Receiver;
let steps: ReturnType<typeof registrySteps>;

beforeAll(async () => {
  h = await createHarness({
    worker: true,
    env: { DELIVERY_MAX_ATTEMPTS: "3", PROMOTION_CALLBACK_TIMEOUT_MS: String(CALLBACK_TIMEOUT_MS) },
  });
  receiver = await Receiver.start();
  steps = registrySteps(h);
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

/** A workspace with promotions on, an author, an approver and a bystander, and a version awaiting approval. */
async function promotionSetUp(pipeline?: { path: string }) {
  const workspace = await h.createWorkspace();
  const [author, approver, bystander] = [
    await h.createUser([workspace.id]),
    await h.createUser([workspace.id]),
    await h.createUser([workspace.id]),
  ];
  await steps.setFlag(workspace.id, "PROMOTION_EVENTS", true);
  if (pipeline)
    await steps.createWebhook(workspace.id, { name: "pipeline", location: receiver.url(pipeline.path), event_types: ["PROMOTE"] });
  const model = await steps.createModel(workspace.name, "churn", author);
  const version = await steps.createVersion(model.id, "v1", author);
  const requested = await steps.requestTransition(version.id, "PRODUCTION", author);
  const approve = () => steps.ok(steps.approve(requested.transition.id, approver));
  return { workspace, author, approver, bystander, model, version, approve };
}

const kinds = (caller: Caller) => steps.notificationKinds(caller);

describe("promotion lifecycle", () => {
  it("fails at approval when no deployment pipeline is subscribed, and tells the author and the approver only", async () => {
    const { workspace, author, approver, bystander, version, approve } = await promotionSetUp();
    await approve();
    const failed = await steps.getVersion(version.id, bystander);
    expect(failed).toMatchObject({
      stage: "PRODUCTION",
      promotion_status: "FAILED",
      promotion_message: `no deployment pipeline is subscribed to promotions in workspace ${workspace.name}: add a webhook for PROMOTE events, then retry`,
    });
    expect(typeof failed.promotion_updated_at).toBe("string");
    expect(await kinds(author)).toEqual(["PROMOTION_FAILED"]);
    expect(await kinds(approver)).toEqual(["PROMOTION_FAILED"]);
    expect(await kinds(bystander)).toEqual([]);
    expect(await kinds(ADMIN)).not.toContain("PROMOTION_FAILED");
    const [told] = await steps.notifications(author);
    expect(told).toMatchObject({ title: "Promotion of churn v1 failed", link: { model_version_id: version.id }, read_at: null });
    expect(told?.body).toContain("no deployment pipeline is subscribed");
  });

  it("fails when every PROMOTE call fails, saying how; Retry sends a new PROMOTE and the call-back completes it", async () => {
    const path = `/pipeline-down-${Date.now()}`;
    let pipelineUp = false;
    receiver.on(path, () => ({ status: pipelineUp ? 200 : 500 }));
    const { author, approver, bystander, model, version, approve } = await promotionSetUp({ path });
    await approve();
    const failed = await steps.versionWhen(version.id, author, "FAILED", "the promotion to fail");
    expect(failed.promotion_message).toBe('the deployment pipeline (webhook "pipeline") answered 500 3 times');
    expect(receiver.received(path)).toHaveLength(3);
    expect(await kinds(author)).toEqual(["PROMOTION_FAILED"]);
    expect(await kinds(approver)).toEqual(["PROMOTION_FAILED"]);
    expect(await kinds(bystander)).toEqual([]);

    pipelineUp = true;
    const retried = await steps.ok(steps.retryPromotion(version.id, bystander));
    expect(retried.model_version).toMatchObject({ promotion_status: "IN_PROGRESS" });
    expect(retried.model_version.promotion_message).toBeUndefined();
    const [first, second] = await waitFor(
      () => receiver.received(path).length === 4 && [receiver.received(path)[0], receiver.received(path)[3]],
      {
        what: "the retried PROMOTE",
      },
    );
    expect(second?.json.event_type).toBe("PROMOTE");
    expect(second?.json.event_uuid).not.toBe(first?.json.event_uuid);
    expect(second?.json.new_entity.model_version).toMatchObject({ id: version.id, promotion_status: "IN_PROGRESS" });

    await steps.ok(
      steps.patchVersion(model.id, version.id, {
        promotion_status: "COMPLETE",
        redirect_metadata: '{"url":"https://serve.example.com/churn"}',
      }),
    );
    expect(await steps.getVersion(version.id, bystander)).toMatchObject({
      promotion_status: "COMPLETE",
      forwarding_url: "https://serve.example.com/churn",
    });
    expect(await kinds(author)).toEqual(["PROMOTION_COMPLETE", "PROMOTION_FAILED"]);
    const [done] = await steps.notifications(approver);
    expect(done).toMatchObject({ kind: "PROMOTION_COMPLETE", title: "churn v1 is deployed" });
    expect(done?.body).toContain("https://serve.example.com/churn");
  });

  it("fails when no call-back comes in time after PROMOTE was delivered; a late COMPLETE still wins", async () => {
    const path = `/pipeline-silent-${Date.now()}`;
    const { author, approver, model, version, approve } = await promotionSetUp({ path });
    await approve();
    await waitFor(() => receiver.received(path).length === 1, { what: "PROMOTE delivered" });
    const failed = await steps.versionWhen(version.id, author, "FAILED", "the call-back deadline");
    expect(failed.promotion_message).toBe("no call-back from the deployment pipeline within 2.5 seconds of delivering the promotion");
    expect(await kinds(approver)).toEqual(["PROMOTION_FAILED"]);

    const late = await steps.ok(steps.patchVersion(model.id, version.id, { promotion_status: "COMPLETE" }));
    expect(late.model_version.promotion_status).toBe("COMPLETE");
    expect(await kinds(author)).toEqual(["PROMOTION_COMPLETE", "PROMOTION_FAILED"]);
  });

  it("refuses Retry unless the promotion failed and the version is in PRODUCTION (409), emitting nothing", async () => {
    const path = `/pipeline-ok-${Date.now()}`;
    const { workspace, author, version, approve } = await promotionSetUp({ path });
    const notYet = await steps.retryPromotion(version.id, author);
    expect({ status: notYet.status, code: notYet.body.error.code }).toEqual({ status: 409, code: "failed_precondition" });
    await approve();
    await waitFor(() => receiver.received(path).length === 1, { what: "PROMOTE delivered" });
    const events = await h.api.db.event.count({ where: { workspaceId: workspace.id } });
    const inProgress = await steps.retryPromotion(version.id, author);
    expect(inProgress.status).toBe(409);
    expect(inProgress.body.error.message).toMatch(/only a failed promotion of a version in PRODUCTION can be retried/);
    expect(await h.api.db.event.count({ where: { workspaceId: workspace.id } })).toBe(events);
    const other = await h.createWorkspace();
    const outsider = await h.createUser([other.id]);
    expect((await steps.retryPromotion(version.id, outsider)).status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sendEvent } from "../support/calls.js";
import { ADMIN, createHarness, EVENTS, type Harness } from "../support/harness.js";
import { waitForIdle } from "../support/pipeline-idle.js";
import { Receiver } from "../support/receiver.js";
import { REGISTRY, registrySteps } from "../support/registry-steps.js";

// Scope to models (docs/api.md): a webhook listing registered_model_ids receives the events of
// those models, their versions and their builds, and nothing of any other model.

let h: Harness;
let steps: ReturnType<typeof registrySteps>;
const receiver = Receiver.forThisFile();

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { BUILD_DURATION_MS: "200" } });
  steps = registrySteps(h);
});
afterAll(async () => {
  await h.close();
});

/** Every kind of event a model's life emits: its update, a version, a build with a scan and its verdict. */
async function exerciseModel(workspaceName: string, modelId: number, label: string) {
  await steps.ok(
    h.request
      .patch(`${REGISTRY}/registered_models/${modelId}`)
      .set(auth())
      .send({ description: `changed ${label}` }),
  );
  const version = await steps.createVersion(modelId, `v-${label}`, ADMIN);
  const { build_id: buildId } = await steps.requestScan(version.id, ADMIN);
  await steps.scanWhen(buildId, ADMIN, "scanning", `the scan of ${label}`);
  expect((await steps.putScanResult(workspaceName, buildId, "safe")).status).toBe(200);
  return { versionId: version.id, buildId };
}
const auth = () => ({ "grpc-metadata-email": ADMIN.email, "grpc-metadata-developer_key": ADMIN.key });

/** What an event is about, as the receiver can tell from its body. */
function modelOf(event: any): number | undefined {
  const entity = event.new_entity ?? event.original_entity ?? {};
  return entity.registered_model?.id ?? entity.model_version?.registered_model_id;
}

describe("registered_model_ids", () => {
  it("a webhook scoped to model A gets A's model, version and build events and none of B's", async () => {
    const workspace = await h.createWorkspace();
    await steps.setFlag(workspace.id, "SCAN_EVENTS", true);
    const a = await steps.createModel(workspace.name, "model-a", ADMIN);
    const b = await steps.createModel(workspace.name, "model-b", ADMIN);
    // Their CREATE events go out before either webhook exists, to nobody.
    await waitForIdle(h);
    const scoped = await h.createWebhook({
      name: "only-a",
      location: receiver.url("/only-a"),
      all_events: true,
      workspace_id: workspace.id,
      registered_model_ids: [a.id, String(a.id)],
    });
    expect(scoped.registered_model_ids).toEqual([a.id]);
    await h.createWebhook({ name: "everything", location: receiver.url("/everything"), all_events: true, workspace_id: workspace.id });

    const ofA = await exerciseModel(workspace.name, a.id, "a");
    const ofB = await exerciseModel(workspace.name, b.id, "b");
    // createEvent: the entity names the model; an event naming none is outside every scope.
    await sendEvent(h, workspace.id, "scope-a", { resource_type: "REGISTERED_MODEL", new_entity: { registered_model: { id: a.id } } });
    await sendEvent(h, workspace.id, "scope-b", {
      resource_type: "MODEL_VERSION",
      new_entity: { model_version: { registered_model_id: b.id } },
    });
    await sendEvent(h, workspace.id, "scope-none", { resource_type: "BUILD" });
    await waitForIdle(h);

    const kinds = (path: string) =>
      receiver
        .received(path)
        .map((request) => `${request.json.event_type} ${request.json.resource_type}`)
        .sort();
    const lifeOfAModel = ["CREATE MODEL_VERSION", "REQUEST_SCAN BUILD", "UPDATE BUILD", "UPDATE REGISTERED_MODEL"];
    expect(kinds("/only-a")).toEqual([...lifeOfAModel, "CREATE REGISTERED_MODEL"].sort());
    expect(receiver.received("/only-a").map((request) => request.json.event_uuid)).toContain("scope-a");
    // B's events were emitted: the unscoped webhook got them.
    expect(kinds("/everything")).toEqual(
      [...lifeOfAModel, ...lifeOfAModel, "CREATE REGISTERED_MODEL", "CREATE MODEL_VERSION", "CREATE BUILD"].sort(),
    );
    // Every event records the model it concerns, builds included (their entities name only the version).
    const recorded = await h.api.db.event.findMany({ where: { workspaceId: workspace.id }, orderBy: { id: "asc" } });
    const byModel = (modelId: number | null) => recorded.filter((event) => event.registeredModelId === modelId).length;
    expect({ a: byModel(a.id), b: byModel(b.id), none: byModel(null) }).toEqual({ a: 6, b: 6, none: 1 });
    const buildEventsOfA = receiver.received("/only-a").filter((request) => request.json.resource_type === "BUILD");
    expect(buildEventsOfA.map((request) => request.json.new_entity.build.id)).toEqual([ofA.buildId, ofA.buildId]);
    expect(receiver.received("/only-a").some((request) => request.json.new_entity?.build?.id === ofB.buildId)).toBe(false);
    expect(
      receiver
        .received("/only-a")
        .filter((request) => request.json.resource_type !== "BUILD")
        .every((request) => modelOf(request.json) === a.id),
    ).toBe(true);
  });

  it("refuses models of another workspace, unknown ones and bad ids with 400 naming the field, storing nothing", async () => {
    const own = await h.createWorkspace();
    const other = await h.createWorkspace();
    const mine = await steps.createModel(own.name, "mine", ADMIN);
    const theirs = await steps.createModel(other.name, "theirs", ADMIN);
    const webhook = await h.createWebhook({
      name: "scoped",
      location: receiver.url("/scoped"),
      all_events: true,
      workspace_id: own.id,
      registered_model_ids: [mine.id],
    });
    const before = await h.api.db.webhook.findMany({ orderBy: { id: "asc" } });
    const bad: unknown[] = [
      [theirs.id],
      [mine.id, theirs.id],
      [2_000_000_000],
      ["abc"],
      [0],
      [-1],
      [1.5],
      mine.id,
      Array(101).fill(mine.id),
    ];
    for (const ids of bad) {
      const create = await h.post(`${EVENTS}/createWebhook`, {
        name: "refused",
        location: receiver.url("/refused"),
        all_events: true,
        workspace_id: own.id,
        registered_model_ids: ids,
      });
      const update = await h.post(`${EVENTS}/updateWebhook`, { id: webhook.id, registered_model_ids: ids });
      for (const response of [create, update]) {
        expect({ ids, status: response.status, path: String(response.body.error?.details?.[0]?.path).split(".")[0] }).toEqual({
          ids,
          status: 400,
          path: "registered_model_ids",
        });
      }
    }
    expect(await h.api.db.webhook.findMany({ orderBy: { id: "asc" } })).toEqual(before);

    // [] widens the scope back to every model.
    const widened = await h.post(`${EVENTS}/updateWebhook`, { id: webhook.id, registered_model_ids: [] }).expect(200);
    expect(widened.body.registered_model_ids).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { SIMULATE_BUILD_FAILURE_LABEL } from "@modelhooks/registry";
import { ADMIN, createHarness, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { waitForIdle } from "../support/pipeline-idle.js";
import { DEPLOYMENT, registrySteps } from "../support/registry-steps.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

const BUILD_DURATION_MS = 600;
let h: Harness;
let receiver: Receiver;
let steps: ReturnType<typeof registrySteps>;

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { BUILD_DURATION_MS: String(BUILD_DURATION_MS) } });
  receiver = await Receiver.start();
  steps = registrySteps(h);
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

async function scanSetup(options: { scanEvents?: boolean; labels?: string[] } = {}) {
  const workspace = await h.createWorkspace();
  const author = await h.createUser([workspace.id]);
  const approver = await h.createUser([workspace.id]);
  if (options.scanEvents ?? true) await steps.setFlag(workspace.id, "SCAN_EVENTS", true);
  const path = `/scanner-${workspace.id}`;
  await steps.createWebhook(workspace.id, { name: "scanner", location: receiver.url(path), event_types: ["REQUEST_SCAN"] });
  const model = await steps.createModel(workspace.name, "churn", author);
  const version = await steps.createVersion(model.id, "v1", author, options.labels);
  return { workspace, author, approver, path, model, version };
}

describe("security scan: build, then notify", () => {
  it("emits REQUEST_SCAN only once the build is ready; the scanner's result shows in GET; unsafe blocks promotion", async () => {
    const { workspace, author, approver, path, model, version } = await scanSetup();
    const requested = await steps.requestScan(version.id, author);
    expect(requested).toEqual({ build_id: expect.any(Number), scan_status: "building" });

    const [delivery] = await waitFor(() => receiver.received(path).length > 0 && receiver.received(path), { what: "REQUEST_SCAN" });
    const build = await h.api.db.build.findUniqueOrThrow({ where: { id: requested.build_id } });
    expect(build.status).toBe("READY");
    // Nothing went out while it was building: the first request arrived after the build finished.
    expect(delivery!.receivedAt).toBeGreaterThanOrEqual(build.finishedAt!.getTime());
    const event = delivery!.json;
    expect(event).toMatchObject({ event_type: "REQUEST_SCAN", resource_type: "BUILD", workspace_id: workspace.id });
    expect(new Date(event.timestamp).getTime()).toBeGreaterThanOrEqual(build.finishedAt!.getTime());
    expect(event.new_entity.scan_request).toEqual({ buildId: requested.build_id, imageUrl: build.imageUrl });
    expect(build.imageUrl).toMatch(/churn:v1-build\d+$/);
    expect(event.new_entity.model_version).toEqual({ id: version.id, version: "v1" });
    expect(event.new_entity.registered_model).toEqual({ id: model.id, name: "churn" });
    expect(await steps.getScan(requested.build_id, author)).toMatchObject({ scan_status: "scanning", safety_status: "unknown" });

    // Verta's example scanner script, word for word in shape.
    const result = await steps.putScanResult(workspace.name, requested.build_id, "unsafe");
    expect(result.status).toBe(200);
    const scan = await steps.getScan(requested.build_id, approver);
    expect(scan).toMatchObject({
      scan_status: "scanned",
      safety_status: "unsafe",
      scan_external_status: { safety_status: "unsafe", url: `https://scanner.example.com/reports/${requested.build_id}` },
    });
    expect(typeof scan.date_updated).toBe("string");

    const transition = await steps.requestTransition(version.id, "PRODUCTION", author);
    const blocked = await steps.approve(transition.transition.id, approver);
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.message).toContain(`build ${requested.build_id}`);
    expect(blocked.body.error.message).toContain("unsafe");
    expect((await steps.getVersion(version.id, author)).stage).toBe("UNASSIGNED");

    // A ready build is reused: the next request goes out at once, without a new build.
    const again = await steps.requestScan(version.id, author);
    expect(again.build_id).toBe(requested.build_id);
    await waitFor(() => receiver.received(path).length === 2, { what: "second REQUEST_SCAN" });
    expect(await h.api.db.build.count({ where: { modelVersionId: version.id } })).toBe(1);
  });

  it("a safe result lets the promotion through, and a workspace can require one", async () => {
    const { workspace, author, approver, version } = await scanSetup();
    await steps.ok(
      h.request
        .put(`/api/v1/admin/workspaces/${workspace.id}/settings`)
        .set("grpc-metadata-email", ADMIN.email)
        .set("grpc-metadata-developer_key", ADMIN.key)
        .send({ require_safe_scan: true }),
    );
    const transition = await steps.requestTransition(version.id, "PRODUCTION", author);
    const unscanned = await steps.approve(transition.transition.id, approver);
    expect(unscanned.status).toBe(409);
    expect(unscanned.body.error.message).toMatch(/requires a safe scan/);
    const { build_id } = await steps.requestScan(version.id, author);
    await waitFor(async () => (await steps.getScan(build_id, author)).scan_status === "scanning", { what: "build ready" });
    expect((await steps.putScanResult(workspace.name, build_id, "safe")).status).toBe(200);
    await steps.ok(steps.approve(transition.transition.id, approver));
    expect((await steps.getVersion(version.id, author)).stage).toBe("PRODUCTION");
  });

  it("only a system admin gives a verdict, only while a scan is in progress, and a final verdict stands until a new scan", async () => {
    const { workspace, author, approver, path, version } = await scanSetup();
    const verdictOf = async (buildId: number) => (await steps.getScan(buildId, author)).safety_status as string;

    // A build that nobody asked to have scanned takes no verdict, from anyone.
    const plain = await steps.ok(h.post(`${DEPLOYMENT}/workspace/${workspace.name}/builds`, { model_version_id: version.id }, author));
    await waitFor(async () => (await h.api.db.build.findUniqueOrThrow({ where: { id: plain.id } })).status === "READY", { what: "build" });
    const unrequested = await steps.putScanResult(workspace.name, plain.id, "safe");
    expect({ status: unrequested.status, message: unrequested.body.error.message }).toEqual({
      status: 409,
      message: `no scan of build ${plain.id} was requested; request one first`,
    });

    const { build_id } = await steps.requestScan(version.id, author);
    await waitFor(() => receiver.received(path).length === 1, { what: "REQUEST_SCAN" });
    for (const member of [author, approver]) {
      const refused = await steps.putScanResult(workspace.name, build_id, "safe", member);
      expect({ status: refused.status, code: refused.body.error.code }).toEqual({ status: 403, code: "permission_denied" });
    }
    expect(await steps.getScan(build_id, author)).toMatchObject({ scan_status: "scanning", safety_status: "unknown" });

    expect((await steps.putScanResult(workspace.name, build_id, "unsafe")).status).toBe(200);
    const overwrite = await steps.putScanResult(workspace.name, build_id, "safe");
    expect(overwrite.status).toBe(409);
    expect(overwrite.body.error.message).toBe(`build ${build_id} already has a verdict (unsafe); request a new scan to change it`);
    expect(await verdictOf(build_id)).toBe("unsafe");

    // A new scan keeps the old verdict (and its promotion block) until the scanner answers again.
    await steps.requestScan(version.id, author);
    await waitFor(() => receiver.received(path).length === 2, { what: "second REQUEST_SCAN" });
    expect(await steps.getScan(build_id, author)).toMatchObject({ scan_status: "scanning", safety_status: "unsafe" });
    expect((await steps.putScanResult(workspace.name, build_id, "safe")).status).toBe(200);
    expect(await verdictOf(build_id)).toBe("safe");
  });

  it("a failed build emits nothing and leaves scan_status error with a readable reason", async () => {
    const { author, path, version } = await scanSetup({ labels: [SIMULATE_BUILD_FAILURE_LABEL] });
    const { build_id } = await steps.requestScan(version.id, author);
    const scan = await waitFor(
      async () => {
        const current = await steps.getScan(build_id, author);
        return current.scan_status === "error" && current;
      },
      { what: "scan error" },
    );
    expect(scan.message).toMatch(/build failed: simulated build failure/);
    await waitForIdle(h);
    expect(receiver.received(path)).toHaveLength(0);
    expect(
      await h.api.db.event.count({
        where: {
          eventType: "REQUEST_SCAN",
          workspaceId: (await h.api.db.modelVersion.findUniqueOrThrow({ where: { id: version.id }, include: { registeredModel: true } }))
            .registeredModel.workspaceId,
        },
      }),
    ).toBe(0);
  });

  it("two concurrent scan requests start one build and send one REQUEST_SCAN", async () => {
    const { author, path, version } = await scanSetup();
    const [first, second] = await Promise.all([steps.requestScan(version.id, author), steps.requestScan(version.id, author)]);
    expect(first.build_id).toBe(second.build_id);
    await waitForIdle(h);
    expect(receiver.received(path)).toHaveLength(1);
    expect(await h.api.db.build.count({ where: { modelVersionId: version.id } })).toBe(1);
  });

  it("with SCAN_EVENTS off the build still happens but no REQUEST_SCAN is ever delivered", async () => {
    const { author, path, version } = await scanSetup({ scanEvents: false });
    const { build_id } = await steps.requestScan(version.id, author);
    await waitForIdle(h);
    expect((await h.api.db.build.findUniqueOrThrow({ where: { id: build_id } })).status).toBe("READY");
    expect(receiver.received(path)).toHaveLength(0);
    expect(await steps.getScan(build_id, author)).toMatchObject({ scan_status: "unscanned" });
  });

  it("Verta's build routes: create with scan_external, then the scan arrives when ready", async () => {
    const { workspace, author, path, version } = await scanSetup();
    const build = await steps.ok(
      h.post(`${DEPLOYMENT}/workspace/${workspace.name}/builds`, { model_version_id: version.id, scan_external: true }, author),
    );
    expect(build).toMatchObject({ id: expect.any(Number), model_version_id: version.id, status: "building" });
    await waitFor(() => receiver.received(path).length === 1, { what: "REQUEST_SCAN after build" });
    expect(receiver.received(path)[0]!.json.new_entity.scan_request.buildId).toBe(build.id);
    const rescan = await steps.ok(
      h.post(`${DEPLOYMENT}/workspace/${workspace.name}/builds/${build.id}/scan`, { scan_external: true }, author),
    );
    expect(rescan.scan_status).toBe("scanning");
    await waitFor(() => receiver.received(path).length === 2, { what: "REQUEST_SCAN on request" });
  });

  it("refuses a scan result other than safe/unsafe, and changes nothing", async () => {
    const { workspace, author, version } = await scanSetup();
    const { build_id } = await steps.requestScan(version.id, author);
    await waitFor(async () => (await steps.getScan(build_id, author)).scan_status === "scanning", { what: "build ready" });
    const maybe = await steps.putScanResult(workspace.name, build_id, "maybe");
    expect(maybe.status).toBe(400);
    expect(maybe.body.error.details[0].path).toBe("scan_external_results.safety_status");
    expect(await steps.getScan(build_id, author)).toMatchObject({ scan_status: "scanning", safety_status: "unknown" });
  });
});

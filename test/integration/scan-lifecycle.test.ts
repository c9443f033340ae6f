import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { SIMULATE_BUILD_FAILURE_LABEL } from "@modelhooks/registry";
import { createHarness, type Caller, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { DEPLOYMENT, REGISTRY, registrySteps } from "../support/registry-steps.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// Every scan ends in a state a person sees (docs/lifecycles.md), and whoever asked for it is
// told: a failed build, no scanner subscribed, every REQUEST_SCAN call failed, no result in
// time, or the scanner's verdict.

// Long enough that three failing attempts end before it, even on a busy machine.
const RESULT_TIMEOUT_MS = 6000;
let h: Harness;
let receiver: Receiver;
let steps: ReturnType<typeof registrySteps>;

beforeAll(async () => {
  h = await createHarness({
    worker: true,
    env: { BUILD_DURATION_MS: "200", DELIVERY_MAX_ATTEMPTS: "3", SCAN_RESULT_TIMEOUT_MS: String(RESULT_TIMEOUT_MS) },
  });
  receiver = await Receiver.start();
  steps = registrySteps(h);
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

async function scanSetUp(options: { scanner?: string; labels?: string[] } = {}) {
  const workspace = await h.createWorkspace();
  const requester = await h.createUser([workspace.id]);
  const colleague = await h.createUser([workspace.id]);
  await steps.setFlag(workspace.id, "SCAN_EVENTS", true);
  if (options.scanner)
    await steps.createWebhook(workspace.id, { name: "scanner", location: receiver.url(options.scanner), event_types: ["REQUEST_SCAN"] });
  const model = await steps.createModel(workspace.name, "fraud", requester);
  const version = await steps.createVersion(model.id, "v2", requester, options.labels);
  return { workspace, requester, colleague, model, version };
}

const kinds = (caller: Caller) => steps.notificationKinds(caller);

describe("scan lifecycle", () => {
  it("a failed build ends the scan in error with the builder's reason; a new request rebuilds it", async () => {
    const path = `/scanner-build-${Date.now()}`;
    const { workspace, requester, colleague, model, version } = await scanSetUp({ scanner: path, labels: [SIMULATE_BUILD_FAILURE_LABEL] });
    const { build_id, scan_status } = await steps.requestScan(version.id, requester);
    expect(scan_status).toBe("building");
    const failed = await steps.scanWhen(build_id, requester, "error", "the failed build");
    expect(failed.message).toMatch(/^build failed: simulated build failure/);
    expect(await kinds(requester)).toEqual(["SCAN_ERROR"]);
    expect(await kinds(colleague)).toEqual([]);
    const page = await steps.getVersion(version.id, colleague);
    expect(page.latest_build).toMatchObject({ id: build_id, status: "error", scan: { scan_status: "error", message: failed.message } });

    // Fixed (the label gone), a new request through Verta's route builds the same build again.
    await steps.ok(steps.patchVersion(model.id, version.id, { labels: [] }, requester));
    await steps.ok(h.post(`${DEPLOYMENT}/workspace/${workspace.name}/builds/${build_id}/scan`, { scan_external: true }, colleague));
    expect((await steps.getScan(build_id, colleague)).scan_status).toBe("building");
    await waitFor(() => receiver.received(path).length === 1, { what: "REQUEST_SCAN after the rebuild" });
    expect(receiver.received(path)[0]?.json.new_entity.scan_request.buildId).toBe(build_id);
  });

  it("ends in error when no scanner is subscribed", async () => {
    const { workspace, requester, version } = await scanSetUp();
    const { build_id } = await steps.requestScan(version.id, requester);
    const failed = await steps.scanWhen(build_id, requester, "error", "the scan to fail");
    expect(failed.message).toBe(
      `no security scanner is subscribed to scan requests in workspace ${workspace.name}: add a webhook for REQUEST_SCAN events, then request the scan again`,
    );
    expect(await kinds(requester)).toEqual(["SCAN_ERROR"]);
  });

  it("ends in error when every REQUEST_SCAN call fails, and when no result comes in time", async () => {
    const down = `/scanner-down-${Date.now()}`;
    receiver.on(down, () => ({ status: 503 }));
    const first = await scanSetUp({ scanner: down });
    const { build_id } = await steps.requestScan(first.version.id, first.requester);
    const failed = await steps.scanWhen(build_id, first.requester, "error", "the calls to fail");
    expect(failed.message).toBe('the security scanner (webhook "scanner") answered 503 3 times');
    expect(await kinds(first.requester)).toEqual(["SCAN_ERROR"]);

    const silent = `/scanner-silent-${Date.now()}`;
    const second = await scanSetUp({ scanner: silent });
    const requested = await steps.requestScan(second.version.id, second.requester);
    await waitFor(() => receiver.received(silent).length === 1, { what: "REQUEST_SCAN delivered" });
    const timedOut = await steps.scanWhen(requested.build_id, second.requester, "error", "the result deadline");
    expect(timedOut.message).toBe("no result from the security scanner within 6 seconds");
    const [told] = await steps.notifications(second.requester);
    expect(told).toMatchObject({ kind: "SCAN_ERROR", title: "Scan of fraud v2 (build " + requested.build_id + ") did not finish" });
    // The scanner's late answer is refused: a new scan must be requested.
    expect((await steps.putScanResult(second.workspace.name, requested.build_id, "safe")).status).toBe(409);
  });

  it("tells the requester the verdict; the version page shows it and why promotion is blocked", async () => {
    const path = `/scanner-ok-${Date.now()}`;
    const { workspace, requester, colleague, version } = await scanSetUp({ scanner: path });
    const { build_id } = await steps.requestScan(version.id, requester);
    await steps.scanWhen(build_id, requester, "scanning", "REQUEST_SCAN out");
    expect((await steps.putScanResult(workspace.name, build_id, "unsafe")).status).toBe(200);
    const [told] = await steps.notifications(requester);
    expect(told).toMatchObject({ kind: "SCAN_UNSAFE", link: { model_version_id: version.id, build_id } });
    expect(told?.body).toContain(`https://scanner.example.com/reports/${build_id}`);
    expect(await kinds(colleague)).toEqual([]);
    const page = await steps.getVersion(version.id, colleague);
    expect(page).toMatchObject({
      promotion_eligible: false,
      promotion_ineligible_reason: `cannot be promoted to PRODUCTION: build ${build_id} of model version ${version.id} was scanned unsafe`,
      latest_build: {
        id: build_id,
        status: "finished",
        scan: { scan_status: "scanned", safety_status: "unsafe", url: `https://scanner.example.com/reports/${build_id}` },
      },
    });
    const builds = await steps.ok(
      h.request
        .get(`${REGISTRY}/model_versions/${version.id}/builds`)
        .set("grpc-metadata-email", colleague.email)
        .set("grpc-metadata-developer_key", colleague.key),
    );
    expect(builds.builds.map((build: { id: number }) => build.id)).toEqual([build_id]);
  });
});

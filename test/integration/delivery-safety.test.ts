import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { callsOf, postEvent, sendEvent, sendEvents, waitForCall } from "../support/calls.js";
import { createHarness, EVENTS, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

const receiver = Receiver.forThisFile();

const receiverPort = () => Number(new URL(receiver.url()).port);

describe("SSRF guard (ALLOW_PRIVATE_TARGETS=false, the production default)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ worker: true, env: { ALLOW_PRIVATE_TARGETS: "false" } });
  });
  afterAll(async () => {
    await h.close();
  });

  it.each([
    "http://127.0.0.1:8080/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://2130706433/hook", // 127.0.0.1 written as one number
    "http://localhost:3000/hook",
    "http://api.localhost/hook",
  ])("refuses %s at createWebhook and writes nothing", async (location) => {
    const before = await h.api.db.webhook.count();
    const response = await h.post(`${EVENTS}/createWebhook`, { name: `ssrf-${before}-${location.length}`, location, all_events: true });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0]).toMatchObject({ path: "location", message: expect.stringMatching(/loopback, private/) });
    expect(await h.api.db.webhook.count()).toBe(before);
  });

  it("refuses a private new_location at updateWebhook, and accepts public names (checked when connecting)", async () => {
    const created = await h.post(`${EVENTS}/createWebhook`, { name: "public", location: "https://hooks.example.com/in", all_events: true });
    expect(created.status).toBe(200);
    const moved = await h.post(`${EVENTS}/updateWebhook`, { id: created.body.id, new_location: "http://172.16.5.4/in" });
    expect(moved.status).toBe(400);
    expect(moved.body.error.details[0].path).toBe("new_location");
    const row = await h.api.db.webhook.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row.location).toBe("https://hooks.example.com/in");
  });

  // IPv6 forms that carry an IPv4 address, and the 6to4 relay anycast: a black-box test found
  // them accepted. The receiver's port, so a form the guard let through would be sent to it.
  const carriers = (port: number) => [
    `http://[::127.0.0.1]:${port}/carrier`, // IPv4-compatible, normalised to [::7f00:1]
    `http://[::a9fe:a9fe]:${port}/carrier`, // IPv4-compatible 169.254.169.254 (metadata)
    `http://[::ffff:0:7f00:1]:${port}/carrier`, // IPv4-translated 127.0.0.1
    `http://[2002:7f00:1::]:${port}/carrier`, // 6to4 of 127.0.0.1
    `http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:${port}/carrier`, // Teredo, client 127.0.0.1 (XOR-ed)
    `http://[64:ff9b::7f00:1]:${port}/carrier`, // NAT64 well-known prefix, 127.0.0.1
    `http://[64:ff9b:1:7f00:0:100::]:${port}/carrier`, // NAT64 local-use prefix, 127.0.0.1
    `http://192.88.99.1:${port}/carrier`, // 6to4 relay anycast
  ];

  it("refuses every IPv4-carrying IPv6 form and the 6to4 relay at createWebhook and updateWebhook, writing nothing", async () => {
    const created = await h.post(`${EVENTS}/createWebhook`, {
      name: "carrier-base",
      location: "https://hooks.example.com/c",
      all_events: true,
    });
    expect(created.status).toBe(200);
    const before = await h.api.db.webhook.count();
    const answers = [];
    for (const [index, location] of carriers(receiverPort()).entries()) {
      const create = await h.post(`${EVENTS}/createWebhook`, { name: `carrier-${index}`, location, all_events: true });
      const update = await h.post(`${EVENTS}/updateWebhook`, { id: created.body.id, new_location: location });
      answers.push({
        location,
        create: [create.status, create.body.error?.details?.[0]?.path],
        update: [update.status, update.body.error?.details?.[0]?.path],
      });
    }
    expect(answers).toEqual(
      carriers(receiverPort()).map((location) => ({ location, create: [400, "location"], update: [400, "new_location"] })),
    );
    expect(await h.api.db.webhook.count()).toBe(before);
    const row = await h.api.db.webhook.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row.location).toBe("https://hooks.example.com/c");
  });

  it("refuses the same forms at connect time for webhooks stored before the check: recorded, not retried, never sent", async () => {
    const workspace = await h.createWorkspace();
    const locations = carriers(receiverPort());
    const webhooks = [];
    for (const [index, location] of locations.entries()) {
      // Stored directly, as a webhook registered before the address guard knew these forms would be.
      webhooks.push(
        await h.api.db.webhook.create({ data: { workspaceId: workspace.id, name: `stored-carrier-${index}`, location, allEvents: true } }),
      );
    }
    await h
      .post(`${EVENTS}/createEvent`, {
        event_uuid: "ssrf-carriers",
        event_type: "CREATE",
        workspace_id: workspace.id,
        resource_type: "BUILD",
      })
      .expect(202);
    const calls = await waitFor(
      async () => {
        const found = await callsOf(h, "ssrf-carriers");
        return found.length === locations.length && found.every((call) => call.status === "FAILURE") && found;
      },
      { what: "every carrier call refused" },
    );
    for (const call of calls) {
      expect(call).toMatchObject({ attempts: 1, response: { status_code: 0, error: expect.stringMatching(/^refused to connect to /) } });
    }
    for (const webhook of webhooks) {
      const test = await h.post(`${EVENTS}/triggerTest`, { webhook_id: webhook.id });
      expect({ location: webhook.location, error: test.body.error }).toEqual({
        location: webhook.location,
        error: expect.stringMatching(/^refused to connect to /),
      });
    }
    expect(receiver.received("/carrier")).toHaveLength(0);
  });

  it("refuses at connect time a name that resolves to a loopback address: recorded once, not retried, never sent", async () => {
    const workspace = await h.createWorkspace();
    // Stored directly, as if its DNS had pointed somewhere public when it was registered.
    const sneaky = receiver.url("/ssrf").replace("127.0.0.1", "localhost");
    const webhook = await h.api.db.webhook.create({
      data: { workspaceId: workspace.id, name: "rebinding", location: sneaky, allEvents: true },
    });
    await sendEvent(h, workspace.id, "ssrf-dns");
    const [call] = await waitForCall(h, "ssrf-dns", "FAILURE");
    expect(call).toMatchObject({ webhook_id: webhook.id, attempts: 1 });
    expect(call!.attempt_history).toHaveLength(1);
    expect(call!.response).toMatchObject({ status_code: 0, error: expect.stringMatching(/refused to connect to 127\.0\.0\.1/) });
    const test = await h.post(`${EVENTS}/triggerTest`, { webhook_id: webhook.id });
    expect(test.body).toMatchObject({ status_code: 0, error: expect.stringMatching(/refused to connect/) });
    expect(receiver.received("/ssrf")).toHaveLength(0);
  });
});

describe("auto-disable of a webhook whose calls keep failing", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      worker: true,
      env: { WEBHOOK_DISABLE_AFTER_MS: "0", WEBHOOK_DISABLE_MIN_FAILURES: "3", DELIVERY_MAX_ATTEMPTS: "5" },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("disables it with a reason, announces it as an UPDATE of the webhook, and updateWebhook re-enables it", async () => {
    const workspace = await h.createWorkspace();
    let healthy = false;
    receiver.on("/dying", () => ({ status: healthy ? 200 : 500 }));
    const dying = await h.createWebhook({
      name: "dying",
      location: receiver.url("/dying"),
      event_types: ["CREATE"],
      workspace_id: workspace.id,
    });
    await h.createWebhook({
      name: "ops",
      location: receiver.url("/ops"),
      event_types: ["UPDATE"],
      resource_types: ["WEBHOOK"],
      workspace_id: workspace.id,
    });

    await sendEvent(h, workspace.id, "doomed");
    const [call] = await waitForCall(h, "doomed", "FAILURE");
    // Three failures disable it; the next attempt finds it disabled and stops there.
    expect(receiver.received("/dying")).toHaveLength(3);
    expect(call!.attempts).toBe(4);
    expect(call!.response.error).toMatch(/webhook is disabled/);

    const found = await h.post(`${EVENTS}/findWebhook`, { ids: [dying.id] });
    expect(found.body.webhooks[0]).toMatchObject({
      status: "DISABLED",
      disabled_reason: expect.stringMatching(/3 failed attempts in a row/),
    });
    const [announcement] = await waitFor(() => receiver.received("/ops").length > 0 && receiver.received("/ops"), {
      what: "UPDATE WEBHOOK event",
    });
    expect(announcement!.json).toMatchObject({ event_type: "UPDATE", resource_type: "WEBHOOK" });
    expect(announcement!.json.original_entity.webhook).toMatchObject({ id: dying.id, status: "ACTIVE" });
    expect(announcement!.json.new_entity.webhook).toMatchObject({ id: dying.id, status: "DISABLED", mutual_secret: "" });
    await waitFor(() => h.logs.some((line) => line.includes("webhook disabled after failing continuously")), { what: "log line" });

    // Disabled: new events do not reach it.
    await sendEvent(h, workspace.id, "while-disabled");
    await waitFor(async () => (await h.api.db.event.findFirstOrThrow({ where: { uuid: "while-disabled" } })).fannedOutAt !== null, {
      what: "fan-out",
    });
    expect(await callsOf(h, "while-disabled")).toHaveLength(0);

    healthy = true;
    const enabled = await h.post(`${EVENTS}/updateWebhook`, { id: dying.id, status: "ACTIVE" });
    expect(enabled.body).toMatchObject({ status: "ACTIVE" });
    expect(enabled.body.disabled_reason).toBeUndefined();
    await sendEvent(h, workspace.id, "after-enable");
    await waitForCall(h, "after-enable", "SUCCESS");
  });
  it("disables a webhook whose failures reach the limit at the same moment, announcing it once", async () => {
    const workspace = await h.createWorkspace();
    receiver.on("/falling-together", () => ({ status: 500, delayMs: 400 }));
    const falling = await h.createWebhook({
      name: "falling",
      location: receiver.url("/falling-together"),
      event_types: ["CREATE"],
      workspace_id: workspace.id,
    });
    await h.createWebhook({
      name: "ops-2",
      location: receiver.url("/ops-2"),
      event_types: ["UPDATE"],
      resource_types: ["WEBHOOK"],
      workspace_id: workspace.id,
    });
    await sendEvents(h, workspace.id, "falling", 6);
    await waitFor(async () => (await h.api.db.webhook.findUniqueOrThrow({ where: { id: falling.id } })).status === "DISABLED", {
      what: "the webhook disabled",
    });
    await waitFor(() => receiver.received("/ops-2").length > 0, { what: "UPDATE WEBHOOK event" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received("/ops-2")).toHaveLength(1);
    expect((await h.api.db.webhook.findUniqueOrThrow({ where: { id: falling.id } })).consecutiveFailures).toBeGreaterThanOrEqual(3);
  });
});

describe("failures of one webhook at the same moment", () => {
  let h: Harness;
  beforeAll(async () => {
    // No retry within the test, and no disabling: only the count is looked at.
    h = await createHarness({
      worker: true,
      env: { WEBHOOK_DISABLE_MIN_FAILURES: "1000", DELIVERY_BACKOFF_BASE_MS: "600000", DELIVERY_BACKOFF_MAX_MS: "600000" },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("each count in the webhook's run of failures, recorded together, and each attempt is in the log", async () => {
    const workspace = await h.createWorkspace();
    // All answered in the same millisecond, a second after the first arrived, so their failures are recorded at the same moment.
    let answerAt: number | undefined;
    receiver.on("/down-together", () => {
      answerAt ??= Date.now() + 1_000;
      return { status: 503, delayMs: Math.max(0, answerAt - Date.now()) };
    });
    const down = await h.createWebhook({
      name: "down",
      location: receiver.url("/down-together"),
      all_events: true,
      workspace_id: workspace.id,
    });
    const FAILURES = 8;
    await sendEvents(h, workspace.id, "together", FAILURES);
    await waitFor(
      async () =>
        (await h.api.db.webhookCallAttempt.count({ where: { call: { webhookId: down.id } } })) === FAILURES &&
        receiver.received("/down-together").length === FAILURES,
      { what: "every first attempt recorded", onError: "fail" },
    );
    const webhook = await h.api.db.webhook.findUniqueOrThrow({ where: { id: down.id } });
    expect({ status: webhook.status, failures: webhook.consecutiveFailures }).toEqual({ status: "ACTIVE", failures: FAILURES });
    const calls = await h.api.db.webhookCall.findMany({ where: { webhookId: down.id } });
    expect(calls.map((call) => [call.status, call.attempts])).toEqual(Array(FAILURES).fill(["IN_PROGRESS", 1]));
  });
});

/** Longer than any test below takes, so a hanging request never frees its slot during one. */
const HANG_TIMEOUT_MS = 8000;

/** A worker with 6 delivery slots, at most 2 per webhook and `perWorkspace` per workspace, for the describe it is called in. */
function withSlotCaps(perWorkspace: number, timeoutMs = HANG_TIMEOUT_MS): () => Harness {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      worker: true,
      env: {
        DELIVERY_CONCURRENCY: "6",
        DELIVERY_MAX_IN_FLIGHT_PER_WEBHOOK: "2",
        DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE: String(perWorkspace),
        DELIVERY_TIMEOUT_MS: String(timeoutMs),
        DELIVERY_MAX_ATTEMPTS: "2",
      },
    });
  });
  afterAll(async () => {
    await h.close();
  });
  return () => h;
}

describe("slow-endpoint isolation", () => {
  // One workspace here: the per-webhook cap alone is under test.
  const harness = withSlotCaps(6);

  it("a receiver that hangs holds at most its share of slots; the healthy ones are all served before it even times out", async () => {
    const h = harness();
    const workspace = await h.createWorkspace();
    receiver.on("/hang", () => ({ hang: true }));
    // Created first, so its call heads every fan-out batch: without the cap it would take every slot.
    await h.createWebhook({ name: "hanging", location: receiver.url("/hang"), all_events: true, workspace_id: workspace.id });
    const healthyPaths = ["/fine-1", "/fine-2", "/fine-3"];
    for (const path of healthyPaths) {
      await h.createWebhook({ name: path.slice(1), location: receiver.url(path), all_events: true, workspace_id: workspace.id });
    }
    const events = 20;
    const started = Date.now();
    await sendEvents(h, workspace.id, "isolation", events);
    await waitFor(() => healthyPaths.every((path) => receiver.received(path).length === events), {
      timeoutMs: 30_000,
      what: "healthy deliveries",
    });
    const healthyDone = Date.now() - started;
    // The first hanging request cannot have timed out yet, so no slot it held was ever freed.
    expect(healthyDone).toBeLessThan(HANG_TIMEOUT_MS);
    expect(receiver.maxConcurrent("/hang")).toBeLessThanOrEqual(2);
    expect(receiver.received("/hang").length).toBeLessThanOrEqual(2);
  });
});

describe("workspace isolation", () => {
  const harness = withSlotCaps(3);

  it("one workspace's hanging receivers hold at most its share of slots, whatever their number; another workspace is served meanwhile", async () => {
    const h = harness();
    const noisy = await h.createWorkspace();
    const quiet = await h.createWorkspace();
    receiver.on("/hang-noisy", () => ({ hang: true }));
    // Three hanging webhooks × 2 slots each would be every one of the 6 slots without the workspace's cap of 3.
    for (const name of ["hang-1", "hang-2", "hang-3"]) {
      await h.createWebhook({ name, location: receiver.url("/hang-noisy"), all_events: true, workspace_id: noisy.id });
    }
    await h.createWebhook({ name: "quiet", location: receiver.url("/quiet"), all_events: true, workspace_id: quiet.id });
    const started = Date.now();
    await sendEvents(h, noisy.id, "noisy", 10);
    await waitFor(() => receiver.received("/hang-noisy").length >= 3, { timeoutMs: 10_000, what: "the noisy workspace's slots taken" });
    await sendEvents(h, quiet.id, "quiet", 10);
    await waitFor(() => receiver.received("/quiet").length === 10, { timeoutMs: 30_000, what: "the quiet workspace's deliveries" });
    // Served while every noisy request was still hanging: no slot the noisy workspace held was ever freed.
    expect(Date.now() - started).toBeLessThan(HANG_TIMEOUT_MS);
    expect(receiver.maxConcurrent("/hang-noisy")).toBe(3);
    expect(receiver.received("/hang-noisy").length).toBe(3);
    // A delivery that stepped aside spent no attempt: every noisy call not yet sent still has 0.
    const overCounted = await h.api.db.webhookCall.count({ where: { webhook: { workspaceId: noisy.id }, attempts: { gt: 1 } } });
    expect(overCounted).toBe(0);
  });
});

describe("a hanging receiver beside a healthy one in the same workspace", () => {
  // The hanging webhook holds 2 of its workspace's 3 slots; the healthy webhook's deliveries pass
  // one at a time through the third, and each one refused meanwhile must come back soon: how long
  // the hanging requests have been waiting says nothing about when the healthy slot frees.
  const harness = withSlotCaps(3, 20_000);

  it("serves the healthy webhook through the workspace's remaining slot soon, however long the hanging requests have waited", async () => {
    const h = harness();
    const workspace = await h.createWorkspace();
    receiver.on("/hang-beside", () => ({ hang: true }));
    await h.createWebhook({ name: "hanging", location: receiver.url("/hang-beside"), all_events: true, workspace_id: workspace.id });
    await h.createWebhook({ name: "healthy", location: receiver.url("/fine-beside"), all_events: true, workspace_id: workspace.id });
    await sendEvents(h, workspace.id, "before", 2);
    await waitFor(() => receiver.received("/hang-beside").length === 2 && receiver.received("/fine-beside").length === 2, {
      what: "the hanging webhook holding its two slots",
    });
    // The hanging requests are 5 s old by then, and stay in flight for 20 s.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const started = Date.now();
    await sendEvents(h, workspace.id, "beside", 8);
    await waitFor(() => receiver.received("/fine-beside").length === 10, { timeoutMs: 30_000, what: "the healthy deliveries" });
    // Waiting as long as the hanging requests have (5 s, jittered by half) would take 2.5 s at least.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(receiver.maxConcurrent("/hang-beside")).toBeLessThanOrEqual(2);
  });
});

describe("fair order between workspaces", () => {
  let h: Harness;
  beforeAll(async () => {
    // Its 200 events at once are twice a workspace's ingestion limit; the order is the point here.
    h = await createHarness({ worker: true, env: { DELIVERY_CONCURRENCY: "1", EVENTS_PER_WORKSPACE_PER_SECOND: "0" } });
  });
  afterAll(async () => {
    await h.close();
  });

  it("a workspace that just queued many deliveries waits behind one that queued a few, although those came last", async () => {
    const [busy, quiet] = [await h.createWorkspace(), await h.createWorkspace()];
    await h.createWebhook({ name: "busy", location: receiver.url("/fair"), all_events: true, workspace_id: busy.id });
    await h.createWebhook({ name: "quiet", location: receiver.url("/fair"), all_events: true, workspace_id: quiet.id });
    const deliveries = h.api.queues.queues.deliveries;
    await deliveries.pause();
    const BUSY = 200;
    const QUIET = 5;
    await Promise.all(Array.from({ length: BUSY }, (_, n) => postEvent(h, busy.id, `busy-${n}`).expect(202)));
    await sendEvents(h, quiet.id, "quiet", QUIET);
    await waitFor(
      async () => {
        const counts = await deliveries.getJobCounts("prioritized", "wait", "paused");
        return (counts.prioritized ?? 0) + (counts.wait ?? 0) + (counts.paused ?? 0) === BUSY + QUIET;
      },
      { what: "every delivery queued", timeoutMs: 30_000 },
    );
    await deliveries.resume();
    await waitFor(() => receiver.received("/fair").length === BUSY + QUIET, { what: "every delivery", timeoutMs: 60_000 });

    const order = receiver.received("/fair").map((request) => request.json.event_uuid as string);
    const lastQuiet = Math.max(...order.map((uuid, index) => (uuid.startsWith("quiet-") ? index : -1)));
    // First in, first out, the quiet workspace's deliveries would be the last five; they go
    // before all but the busy workspace's first few (those queued while it was still light).
    expect(lastQuiet).toBeLessThan(20);
  });
});

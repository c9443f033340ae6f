import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createLogger } from "@modelhooks/observability";
import { closeWorkerDeps, createWorkerDeps, type WorkerDeps } from "../../apps/worker/src/worker-deps.js";
import { startWorkers, type RunningWorkers } from "../../apps/worker/src/workers.js";
import { waitFor } from "../../scripts/lib/wait-for.js";
import { callsOf, sendEvent, waitForCall } from "../support/calls.js";
import { tableSnapshot } from "../support/db-snapshot.js";
import { createHarness, EVENTS, type Harness } from "../support/harness.js";
import { waitForIdle } from "../support/pipeline-idle.js";
import { Receiver } from "../support/receiver.js";

// What an operator asks after an incident: what did we send, what did they answer, and can we
// send everything they missed? (docs/api.md: findWebhookCall, findEvents, recoverWebhookCalls.)

let h: Harness;
const receiver = Receiver.forThisFile();
/** A second worker beside the harness's own, as a second replica would be. */
let second: { deps: WorkerDeps; running: RunningWorkers } | undefined;

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { DELIVERY_MAX_ATTEMPTS: "2" } });
  const deps = createWorkerDeps(h.config, createLogger(h.config, "second-worker"));
  second = { deps, running: await startWorkers(deps) };
});
afterAll(async () => {
  if (second) {
    await second.running.close(h.config.SHUTDOWN_TIMEOUT_MS);
    await closeWorkerDeps(second.deps);
  }
  await h.close();
});

describe("the request log", () => {
  it("stores each attempt's request exactly as the receiver got it, and never the secret", async () => {
    const workspace = await h.createWorkspace();
    const path = `/logged-${workspace.id}`;
    receiver.sequence(path, [500, 200]);
    await h.createWebhook({
      name: "logged",
      location: receiver.url(path),
      all_events: true,
      mutual_secret: "do-not-store-me",
      workspace_id: workspace.id,
    });
    await sendEvent(h, workspace.id, "logged-event");
    const [call] = await waitForCall(h, "logged-event", "SUCCESS");
    const got = receiver.received(path);
    expect(call?.attempt_history).toHaveLength(2);
    call?.attempt_history.forEach((attempt: { request: { url: string; headers: Record<string, string>; body: string } }, index: number) => {
      const received = got[index];
      expect(attempt.request.url).toBe(receiver.url(path));
      // Byte for byte: the body's bytes, and every header line as it came off the wire (name
      // case-insensitively, value exactly), none missing and none extra.
      expect(received && Buffer.from(attempt.request.body, "utf8").equals(received.rawBody)).toBe(true);
      const wire: Array<[string, string]> = [];
      for (let at = 0; received && at < received.rawHeaders.length; at += 2)
        wire.push([(received.rawHeaders[at] as string).toLowerCase(), received.rawHeaders[at + 1] as string]);
      const byName = (a: [string, string], b: [string, string]) => a[0].localeCompare(b[0]);
      expect(Object.entries(attempt.request.headers).sort(byName)).toEqual(wire.sort(byName));
      expect(attempt.request.headers["content-length"]).toBe(String(received?.rawBody.length));
    });
    // Each attempt is signed anew (its own timestamp): the stored headers are each attempt's own.
    expect(call?.attempt_history[0].request.headers["x-modelhooks-attempt"]).toBe("1");
    expect(call?.attempt_history[1].request.headers["x-modelhooks-attempt"]).toBe("2");
    expect(call?.attempt_history[1].request.headers["webhook-signature"]).toMatch(/^v1,/);
    const stored = JSON.stringify(await h.api.db.webhookCallAttempt.findMany()) + JSON.stringify(await h.api.db.webhookCall.findMany());
    expect(stored).not.toContain("do-not-store-me");
  });
});

describe("filters", () => {
  it("findWebhookCall and findEvents filter by time, type and resource, alone and combined, newest first and paged", async () => {
    const workspace = await h.createWorkspace();
    const other = await h.createWorkspace();
    await h.createWebhook({
      name: "all",
      location: receiver.url(`/filters-${workspace.id}`),
      all_events: true,
      workspace_id: workspace.id,
    });
    await h.createWebhook({ name: "all", location: receiver.url(`/filters-${other.id}`), all_events: true, workspace_id: other.id });
    await sendEvent(h, workspace.id, "f-old-create", { event_type: "CREATE", resource_type: "REGISTERED_MODEL" });
    await waitForIdle(h);
    const between = new Date();
    await sendEvent(h, workspace.id, "f-new-update", { event_type: "UPDATE", resource_type: "MODEL_VERSION" });
    await sendEvent(h, workspace.id, "f-new-create", { event_type: "CREATE", resource_type: "MODEL_VERSION" });
    await sendEvent(h, other.id, "f-theirs", { event_type: "CREATE", resource_type: "MODEL_VERSION" });
    await waitForIdle(h);

    const calls = async (body: object) => {
      const response = await h.post(`${EVENTS}/findWebhookCall`, body);
      expect(response.status).toBe(200);
      return (response.body.calls as Array<{ event_uuid: string }>).map((call) => call.event_uuid);
    };
    const mine = { webhook_ids: [(await h.api.db.webhook.findFirstOrThrow({ where: { workspaceId: workspace.id } })).id] };
    expect(await calls(mine)).toEqual(["f-new-create", "f-new-update", "f-old-create"]);
    expect(await calls({ ...mine, since: between.toISOString() })).toEqual(["f-new-create", "f-new-update"]);
    expect(await calls({ ...mine, until: between.toISOString() })).toEqual(["f-old-create"]);
    expect(await calls({ ...mine, event_types: ["CREATE"] })).toEqual(["f-new-create", "f-old-create"]);
    expect(await calls({ ...mine, event_types: ["CREATE"], since: between.toISOString() })).toEqual(["f-new-create"]);
    expect(await calls({ ...mine, page_limit: 2, page_number: 2 })).toEqual(["f-old-create"]);

    const member = await h.createUser([workspace.id]);
    const events = async (body: object) => {
      const response = await h.post(`${EVENTS}/findEvents`, body, member);
      expect(response.status).toBe(200);
      return response.body as { events: Array<{ event_uuid: string; calls: unknown }>; total_records: number };
    };
    const all = await events({});
    expect(all.events.map((event) => event.event_uuid)).toEqual(["f-new-create", "f-new-update", "f-old-create"]);
    expect(all.events[0]?.calls).toEqual({ total: 1, success: 1, failure: 0, in_progress: 0 });
    expect((await events({ resource_types: ["MODEL_VERSION"] })).events.map((event) => event.event_uuid)).toEqual([
      "f-new-create",
      "f-new-update",
    ]);
    expect((await events({ event_types: ["UPDATE"], since: between.toISOString() })).events.map((event) => event.event_uuid)).toEqual([
      "f-new-update",
    ]);
    expect(await events({ page_limit: 1, page_number: 3 })).toMatchObject({ events: [{ event_uuid: "f-old-create" }], total_records: 3 });
    expect((await events({ since: between.toISOString() })).events.map((event) => event.event_uuid)).toEqual([
      "f-new-create",
      "f-new-update",
    ]);
    expect((await events({ until: between.toISOString() })).events.map((event) => event.event_uuid)).toEqual(["f-old-create"]);
    expect((await events({ event_types: ["CREATE"] })).events.map((event) => event.event_uuid)).toEqual(["f-new-create", "f-old-create"]);
    expect((await events({ event_uuids: ["f-new-update"] })).events.map((event) => event.event_uuid)).toEqual(["f-new-update"]);
    expect(
      (await events({ event_types: ["CREATE"], resource_types: ["MODEL_VERSION"], until: new Date().toISOString() })).events.map(
        (event) => event.event_uuid,
      ),
    ).toEqual(["f-new-create"]);
    // The member's call log has only their workspace's calls; another's webhook, asked for by id, has none.
    const memberCalls = async (body: object) => {
      const response = await h.post(`${EVENTS}/findWebhookCall`, body, member);
      expect(response.status).toBe(200);
      return (response.body.calls as Array<{ event_uuid: string }>).map((call) => call.event_uuid);
    };
    const theirs = (await h.api.db.webhook.findFirstOrThrow({ where: { workspaceId: other.id } })).id;
    expect(await memberCalls({})).toEqual(["f-new-create", "f-new-update", "f-old-create"]);
    expect(await memberCalls({ webhook_ids: [theirs] })).toEqual([]);
    expect(await memberCalls({ event_types: ["CREATE"], since: between.toISOString() })).toEqual(["f-new-create"]);
    // Another workspace's events never appear, even when asked for by name.
    expect((await events({ workspace_id: other.id })).events).toEqual([]);
    expect((await events({ event_uuids: ["f-theirs"] })).events).toEqual([]);
  });

  it("refuses a window that ends before it starts, or a time without its offset, naming the field", async () => {
    const backwards = await h.post(`${EVENTS}/findWebhookCall`, { since: "2026-12-02T10:00:00Z", until: "2026-12-01T10:00:00Z" });
    expect({ status: backwards.status, path: backwards.body.error.details[0].path }).toEqual({ status: 400, path: "until" });
    const naive = await h.post(`${EVENTS}/findEvents`, { since: "yesterday" });
    expect({ status: naive.status, path: naive.body.error.details[0].path }).toEqual({ status: 400, path: "since" });
  });
});

describe("recoverWebhookCalls", () => {
  it("after an outage, sends every failed call of the window exactly once, even asked twice at once with two workers", async () => {
    const workspace = await h.createWorkspace();
    const path = `/outage-${workspace.id}`;
    let receiverUp = false;
    receiver.on(path, () => ({ status: receiverUp ? 200 : 503 }));
    const webhook = await h.createWebhook({
      name: "outage",
      location: receiver.url(path),
      event_types: ["CREATE"],
      workspace_id: workspace.id,
    });
    await sendEvent(h, workspace.id, "before-the-window");
    await waitForIdle(h);
    const since = new Date();
    for (let index = 0; index < 12; index++) await sendEvent(h, workspace.id, `outage-${index}`);
    await waitForIdle(h);
    const until = new Date();
    await sendEvent(h, workspace.id, "after-the-window");
    await waitForIdle(h);
    const failed = await h.api.db.webhookCall.count({ where: { webhookId: webhook.id, status: "FAILURE" } });
    expect(failed).toBe(14);

    receiverUp = true;
    receiver.requests.length = 0;
    const ask = () =>
      h.post(`${EVENTS}/recoverWebhookCalls`, { webhook_id: webhook.id, since: since.toISOString(), until: until.toISOString() });
    const answers = await Promise.all([ask(), ask()]);
    for (const answer of answers)
      expect({ status: answer.status, recovered: answer.body.recovered }).toEqual({ status: 200, recovered: 12 });
    await waitFor(async () => (await h.api.db.recoveryRequest.count({ where: { finishedAt: null } })) === 0, {
      what: "both recoveries to finish",
    });
    await waitForIdle(h);

    const delivered = receiver.received(path).map((request) => request.json.event_uuid as string);
    expect(delivered.sort()).toEqual(Array.from({ length: 12 }, (_, index) => `outage-${index}`).sort());
    // Outside the window: untouched, still FAILURE with no new call.
    expect((await callsOf(h, "before-the-window")).map((call) => call.status)).toEqual(["FAILURE"]);
    expect((await callsOf(h, "after-the-window")).map((call) => call.status)).toEqual(["FAILURE"]);
    const recovered = await h.api.db.webhookCall.findMany({ where: { recoveryId: { not: null } } });
    expect(recovered).toHaveLength(12);
    expect(recovered.every((call) => call.status === "SUCCESS" && call.retriggerOfId !== null)).toBe(true);
    const requests = await h.api.db.recoveryRequest.findMany({ where: { webhookId: webhook.id } });
    expect(requests.map((request) => request.requestedById)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(
      h.logs.some((line) => line.includes('"message":"recovery requested"') && line.includes('"requestedBy":"admin@modelhooks.test"')),
    ).toBe(true);

    // Asked again now, there is nothing left to send.
    expect((await ask()).body.recovered).toBe(0);
  });

  it("refuses bad windows, unknown and disabled webhooks with a 4xx naming why, and sends nothing", async () => {
    const workspace = await h.createWorkspace();
    const path = `/idle-${workspace.id}`;
    receiver.on(path, () => ({ status: 503 }));
    const webhook = await h.createWebhook({
      name: "idle",
      location: receiver.url(path),
      event_types: ["CREATE"],
      workspace_id: workspace.id,
    });
    // A failed call in every window below: a request wrongly let through would have something to send.
    await sendEvent(h, workspace.id, "idle-failed");
    await waitForIdle(h);
    expect((await callsOf(h, "idle-failed")).map((call) => call.status)).toEqual(["FAILURE"]);
    receiver.on(path, () => ({ status: 200 }));
    const requestsBefore = receiver.received(path).length;
    const member = await h.createUser([workspace.id]);
    const outsider = await h.createUser([(await h.createWorkspace()).id]);
    const before = await tableSnapshot(h.api.db);
    const recover = (body: object) => h.post(`${EVENTS}/recoverWebhookCalls`, body);
    const now = Date.now();
    const day = 24 * 60 * 60 * 1000;
    const cases: Array<[object, number, string]> = [
      [{ webhook_id: webhook.id, since: new Date(now - day).toISOString(), until: new Date(now - 2 * day).toISOString() }, 400, "until"],
      [{ webhook_id: webhook.id, since: new Date(now - 30 * day).toISOString() }, 400, "since"],
      [{ webhook_id: webhook.id, since: "2026-13-01" }, 400, "since"],
      [{ webhook_id: webhook.id }, 400, "since"],
      [{ webhook_id: webhook.id, since: new Date(now - day).toISOString(), until: "tomorrow" }, 400, "until"],
      [{ webhook_id: webhook.id, since: new Date(now - day).toISOString().replace("Z", "") }, 400, "since"],
      [{ webhook_id: 999_999, since: new Date(now - day).toISOString() }, 404, ""],
    ];
    for (const [body, status, field] of cases) {
      const answer = await recover(body);
      expect({ body, status: answer.status, field: answer.body.error.details[0]?.path ?? "" }).toEqual({ body, status, field });
    }
    // Only system admins recover: a member of the webhook's workspace, and one of another workspace, get 403.
    for (const caller of [member, outsider]) {
      const answer = await h.post(
        `${EVENTS}/recoverWebhookCalls`,
        { webhook_id: webhook.id, since: new Date(now - day).toISOString() },
        caller,
      );
      expect(answer.status).toBe(403);
    }
    await waitForIdle(h);
    expect(await tableSnapshot(h.api.db)).toEqual(before);
    expect(receiver.received(path).length).toBe(requestsBefore);

    await h.post(`${EVENTS}/updateWebhook`, { id: webhook.id, status: "DISABLED" }).expect(200);
    const disabled = await recover({ webhook_id: webhook.id, since: new Date(now - day).toISOString() });
    expect(disabled.status).toBe(409);
    expect(disabled.body.error.message).toMatch(/is disabled: re-enable it/);
  });
});

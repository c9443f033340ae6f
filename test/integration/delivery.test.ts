import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { Webhook as StandardWebhook } from "standardwebhooks";
import type { EventInput } from "@modelhooks/contracts";
import { callsOf as callsOfEvent, waitForCall } from "../support/calls.js";
import { createHarness, EVENTS, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { waitForIdle } from "../support/pipeline-idle.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

let h: Harness;
let receiver: Receiver;
let workspace: { id: number; name: string };

beforeAll(async () => {
  h = await createHarness({ worker: true });
  receiver = await Receiver.start();
});
// A workspace per test: webhooks of one test must not match another test's events.
beforeEach(async () => {
  workspace = await h.createWorkspace();
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

async function createWebhook(body: Record<string, unknown>): Promise<number> {
  const response = await h.post(`${EVENTS}/createWebhook`, { workspace_id: workspace.id, ...body });
  expect(response.status).toBe(200);
  return response.body.id as number;
}

let eventCounter = 0;
function event(overrides: Record<string, unknown> = {}) {
  return {
    event_uuid: `evt-${Date.now()}-${++eventCounter}`,
    event_type: "CREATE",
    workspace_id: workspace.id,
    timestamp: Math.floor(Date.now() / 1000),
    resource_type: "MODEL_VERSION",
    new_entity: { model_version: { id: 7, version: "v1" } },
    ...overrides,
  };
}

const callsOf = (eventUuid: string) => callsOfEvent(h, eventUuid);

describe("triggerTest", () => {
  it("delivers a signed test event now and answers the receiver's own status and body", async () => {
    receiver.on("/trigger", () => ({ status: 201, body: "hello from the receiver" }));
    const id = await createWebhook({
      name: "trigger",
      location: receiver.url("/trigger"),
      all_events: true,
      mutual_secret: "whsec-test-secret",
    });
    const response = await h.post(`${EVENTS}/triggerTest`, { webhook_id: id });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status_code: 201, body: "hello from the receiver" });
    const [received] = receiver.received("/trigger");
    expect(received?.json).toMatchObject({
      test: true,
      webhook: { id, name: "trigger" },
      workspace_id: workspace.id,
      workspace_name: workspace.name,
    });
    const verifier = new StandardWebhook(Buffer.from("whsec-test-secret").toString("base64"));
    expect(() => verifier.verify(received!.body, received!.headers as Record<string, string>)).not.toThrow();
    expect(received?.headers["user-agent"]).toMatch(/^modelhooks\//);
  });

  it("answers status 0 and an error when no HTTP answer comes", async () => {
    const id = await createWebhook({ name: "trigger-dead", location: "http://127.0.0.1:1/nothing-listens", all_events: true });
    const response = await h.post(`${EVENTS}/triggerTest`, { webhook_id: id });
    expect(response.body.status_code).toBe(0);
    expect(response.body.error).toMatch(/ECONNREFUSED/);
  });
});

describe("createEvent → fan-out → delivery", () => {
  it("reaches exactly the matching webhooks, once each, even when the event is sent twice", async () => {
    const path = (name: string) => `/match-${name}`;
    const other = await h.createWorkspace();
    const ids = {
      create: await createWebhook({ name: "m-create", location: receiver.url(path("create")), event_types: ["CREATE"] }),
      all: await createWebhook({ name: "m-all", location: receiver.url(path("all")), all_events: true }),
      versions: await createWebhook({
        name: "m-versions",
        location: receiver.url(path("versions")),
        all_events: true,
        resource_types: ["MODEL_VERSION"],
      }),
      promoteOnly: await createWebhook({ name: "m-promote", location: receiver.url(path("promote")), event_types: ["PROMOTE"] }),
      buildsOnly: await createWebhook({
        name: "m-builds",
        location: receiver.url(path("builds")),
        all_events: true,
        resource_types: ["BUILD"],
      }),
      disabled: await createWebhook({ name: "m-disabled", location: receiver.url(path("disabled")), all_events: true }),
    };
    await h.post(`${EVENTS}/createWebhook`, {
      name: "m-other-ws",
      location: receiver.url(path("other")),
      all_events: true,
      workspace_id: other.id,
    });
    await h.post(`${EVENTS}/updateWebhook`, { id: ids.disabled, status: "DISABLED" });

    const sent = event();
    expect((await h.post(`${EVENTS}/createEvent`, sent)).status).toBe(202);
    expect((await h.post(`/v1/events/createEvent`, sent)).status).toBe(202);

    const calls = await waitFor(
      async () => {
        const found = await callsOf(sent.event_uuid);
        return found.length === 3 && found.every((call) => call.status === "SUCCESS") && found;
      },
      { what: "three successful calls" },
    );
    expect(calls.map((call) => call.webhook_id).sort()).toEqual([ids.create, ids.all, ids.versions].sort());
    // Every job done and every call final: a wrongly matched or duplicated delivery would have arrived.
    await waitForIdle(h);
    for (const name of ["promote", "builds", "disabled", "other"]) expect(receiver.received(path(name))).toHaveLength(0);
    for (const name of ["create", "all", "versions"]) expect(receiver.received(path(name))).toHaveLength(1);
    expect(await h.api.db.webhookCall.count({ where: { event: { uuid: sent.event_uuid } } })).toBe(3);

    const [delivered] = receiver.received(path("create"));
    expect(delivered?.headers["webhook-id"]).toBe(sent.event_uuid);
    expect(delivered?.json).toEqual({
      event_uuid: sent.event_uuid,
      event_type: "CREATE",
      workspace_id: workspace.id,
      workspace_name: workspace.name,
      timestamp: new Date(sent.timestamp * 1000).toISOString(),
      resource_type: "MODEL_VERSION",
      original_entity: null,
      new_entity: sent.new_entity,
      webhook: { id: ids.create, name: "m-create" },
      test: false,
    });
  });

  it("deduplicates event_uuid per workspace: a uuid another workspace used first neither suppresses nor is suppressed", async () => {
    const other = await h.createWorkspace();
    await createWebhook({ name: "mine", location: receiver.url("/dedupe-mine"), all_events: true });
    await h.post(`${EVENTS}/createWebhook`, {
      name: "theirs",
      location: receiver.url("/dedupe-theirs"),
      all_events: true,
      workspace_id: other.id,
    });
    // Predictable ids, such as "build-42-done": the other workspace happens to use it first.
    const uuid = `build-42-done-${workspace.id}`;
    expect((await h.post(`${EVENTS}/createEvent`, event({ event_uuid: uuid, workspace_id: other.id }))).status).toBe(202);
    expect((await h.post(`${EVENTS}/createEvent`, event({ event_uuid: uuid }))).status).toBe(202);
    expect((await h.post(`${EVENTS}/createEvent`, event({ event_uuid: uuid }))).status).toBe(202); // a true duplicate
    await waitFor(() => receiver.received("/dedupe-mine").length === 1 && receiver.received("/dedupe-theirs").length === 1, {
      what: "one delivery in each workspace",
    });
    expect(receiver.received("/dedupe-mine")[0]?.json).toMatchObject({ event_uuid: uuid, workspace_id: workspace.id });
    expect(receiver.received("/dedupe-theirs")[0]?.json).toMatchObject({ event_uuid: uuid, workspace_id: other.id });
    expect(await h.api.db.event.count({ where: { uuid } })).toBe(2);
  });

  it("refuses createEvent from a workspace member (403): only trusted callers cause signed deliveries", async () => {
    await createWebhook({ name: "pipeline", location: receiver.url("/forged-promote"), event_types: ["PROMOTE"] });
    const member = await h.createUser([workspace.id]);
    const forged = event({ event_type: "PROMOTE", new_entity: { model_version: { id: 7, stage: "PRODUCTION" } } });
    const refused = await h.post(`${EVENTS}/createEvent`, forged, member);
    expect({ status: refused.status, code: refused.body.error.code }).toEqual({ status: 403, code: "permission_denied" });
    expect(await h.api.db.event.count({ where: { workspaceId: workspace.id } })).toBe(0);
    // The same event from a system admin goes through, so the webhook above would have received the forgery.
    expect((await h.post(`${EVENTS}/createEvent`, forged)).status).toBe(202);
    await waitFor(() => receiver.received("/forged-promote").length === 1, { what: "the admin's PROMOTE delivered" });
  });

  it("retries 500, 500 then 200 to SUCCESS with the same webhook-id, listing all 3 attempts", async () => {
    receiver.sequence("/flaky", [500, 500, 200]);
    const id = await createWebhook({
      name: "flaky",
      location: receiver.url("/flaky"),
      event_types: ["UPDATE"],
      mutual_secret: "flaky-secret",
    });
    const sent = event({ event_type: "UPDATE" });
    await h.post(`${EVENTS}/createEvent`, sent);
    const [call] = await waitForCall(h, sent.event_uuid, "SUCCESS");
    expect(call).toMatchObject({ webhook_id: id, status: "SUCCESS", attempts: 3, response: { status_code: 200, body: "ok" } });
    expect(call!.attempt_history.map((attempt: { status_code: number }) => attempt.status_code)).toEqual([500, 500, 200]);
    const received = receiver.received("/flaky");
    expect(received).toHaveLength(3);
    expect(new Set(received.map((request) => request.headers["webhook-id"]))).toEqual(new Set([sent.event_uuid]));
    expect(received.map((request) => request.headers["x-modelhooks-attempt"])).toEqual(["1", "2", "3"]);
    const verifier = new StandardWebhook(Buffer.from("flaky-secret").toString("base64"));
    for (const request of received) expect(() => verifier.verify(request.body, request.headers as Record<string, string>)).not.toThrow();
  });

  it("gives up after DELIVERY_MAX_ATTEMPTS with FAILURE, and a retrigger succeeds once the receiver is fixed", async () => {
    let fixed = false;
    receiver.on("/broken", () => ({ status: fixed ? 204 : 503, body: fixed ? "" : "down for maintenance" }));
    await createWebhook({ name: "broken", location: receiver.url("/broken"), event_types: ["DELETE"] });
    const sent = event({ event_type: "DELETE" });
    await h.post(`${EVENTS}/createEvent`, sent);
    const [failed] = await waitForCall(h, sent.event_uuid, "FAILURE");
    expect(failed!.attempts).toBe(h.config.DELIVERY_MAX_ATTEMPTS);
    expect(failed!.attempt_history).toHaveLength(h.config.DELIVERY_MAX_ATTEMPTS);
    expect(failed!.response).toMatchObject({ status_code: 503, body: "down for maintenance" });
    expect(receiver.received("/broken")).toHaveLength(h.config.DELIVERY_MAX_ATTEMPTS);

    fixed = true;
    const retriggered = await h.post(`${EVENTS}/retriggerWebhookCall`, { call_id: failed!.id });
    expect(retriggered.status).toBe(200);
    expect(retriggered.body.id).not.toBe(failed!.id);
    expect(retriggered.body).toMatchObject({ event_uuid: sent.event_uuid, webhook_id: failed!.webhook_id });
    await waitFor(async () => (await callsOf(sent.event_uuid)).find((call) => call.id === retriggered.body.id)?.status === "SUCCESS", {
      what: "retriggered call to succeed",
    });
    const all = await callsOf(sent.event_uuid);
    expect(all.map((call) => call.status).sort()).toEqual(["FAILURE", "SUCCESS"]);
  });

  it("honours Retry-After on 429 within the cap", async () => {
    receiver.on("/throttled", (_request, index) => (index === 0 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 }));
    await createWebhook({ name: "throttled", location: receiver.url("/throttled"), event_types: ["READ"] });
    const sent = event({ event_type: "READ" });
    await h.post(`${EVENTS}/createEvent`, sent);
    await waitForCall(h, sent.event_uuid, "SUCCESS");
    const [first, second] = receiver.received("/throttled");
    // Retry-After: 1 s, capped by DELIVERY_BACKOFF_MAX_MS (1 s in tests) instead of the 100 ms schedule.
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it("does not follow redirects: a 302 is a failed attempt", async () => {
    receiver.on("/moved", () => ({ status: 302, headers: { location: receiver.url("/moved-target") } }));
    await createWebhook({ name: "moved", location: receiver.url("/moved"), event_types: ["READ"], resource_types: ["BUILD"] });
    const sent = event({ event_type: "READ", resource_type: "BUILD" });
    await h.post(`${EVENTS}/createEvent`, sent);
    await waitForCall(h, sent.event_uuid, "FAILURE");
    expect(receiver.received("/moved-target")).toHaveLength(0);
  });
});

describe("publishEvent (platform services writing to the events queue)", () => {
  it("records and fans out a published event like one from the API, once per uuid", async () => {
    const { publishEvent } = await import("@modelhooks/events");
    await createWebhook({ name: "published", location: receiver.url("/published"), event_types: ["REQUEST_SCAN"] });
    const sent: EventInput = { ...event(), event_type: "REQUEST_SCAN", resource_type: "BUILD" };
    await publishEvent(h.api.queues, sent);
    await publishEvent(h.api.queues, sent);
    await waitForCall(h, sent.event_uuid, "SUCCESS");
    expect(await h.api.db.event.count({ where: { uuid: sent.event_uuid } })).toBe(1);
    expect(receiver.received("/published")).toHaveLength(1);
    await expect(publishEvent(h.api.queues, { ...sent, event_type: "NOPE" as "CREATE" })).rejects.toThrow(/event_type/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sendEvent } from "../support/calls.js";
import { ADMIN, createHarness, EVENTS, type Harness } from "../support/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe("createWebhook, as Verta's clients send it", () => {
  it("answers the Webhook with a numeric id; a duplicate name in the workspace is 409, in another workspace fine", async () => {
    const workspace = await h.createWorkspace();
    const other = await h.createWorkspace();
    const body = {
      name: "jenkins",
      location: "https://ci.example.com/hook",
      event_types: ["CREATE", "READ"],
      all_events: false,
      workspace_id: workspace.id,
    };
    const first = await h.request
      .post(`${EVENTS}/createWebhook`)
      .set("grpc-metadata-developer_key", ADMIN.key)
      .set("grpc-metadata-email", ADMIN.email)
      .set("grpc-metadata-source", "PythonClient")
      .set("cache-control", "no-cache")
      .set("postman-token", "5c2a1f0e-0000-4000-8000-000000000000")
      .send(body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      id: expect.any(Number),
      name: "jenkins",
      workspace_id: workspace.id,
      location: "https://ci.example.com/hook",
      mutual_secret: "",
      has_mutual_secret: false,
      event_types: ["CREATE", "READ"],
      all_events: false,
      resource_types: [],
      status: "ACTIVE",
    });
    const duplicate = await h.post(`${EVENTS}/createWebhook`, body);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.message).toContain("jenkins");
    const elsewhere = await h.post(`/v1/events/createWebhook`, { ...body, workspace_id: other.id });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.id).not.toBe(first.body.id);
  });
});

describe("authorization", () => {
  it("401 without or with a wrong key, 403 for a non-admin write", async () => {
    const workspace = await h.createWorkspace();
    const member = await h.createUser([workspace.id]);
    const body = { name: "x", location: "https://example.com/h", all_events: true, workspace_id: workspace.id };
    expect((await h.request.post(`${EVENTS}/createWebhook`).send(body)).status).toBe(401);
    expect((await h.post(`${EVENTS}/createWebhook`, body, { email: member.email, key: "wrong" })).status).toBe(401);
    expect((await h.post(`${EVENTS}/createWebhook`, body, { email: "nobody@example.test", key: member.key })).status).toBe(401);
    const denied = await h.post(`${EVENTS}/createWebhook`, body, member);
    expect(denied.status).toBe(403);
    expect(await h.api.db.webhook.count({ where: { workspaceId: workspace.id } })).toBe(0);
  });

  it("accepts a Bearer developer key with the email header", async () => {
    const workspace = await h.createWorkspace();
    const member = await h.createUser([workspace.id]);
    const response = await h.request
      .post(`${EVENTS}/findWebhook`)
      .set("grpc-metadata-email", member.email)
      .set("authorization", `Bearer ${member.key}`)
      .send({});
    expect(response.status).toBe(200);
  });

  it("hides another workspace's webhooks and calls as if they did not exist", async () => {
    const mine = await h.createWorkspace();
    const theirs = await h.createWorkspace();
    const member = await h.createUser([mine.id]);
    const hidden = await h.post(`${EVENTS}/createWebhook`, {
      name: "theirs",
      location: "https://example.com/h",
      all_events: true,
      workspace_id: theirs.id,
    });
    const visible = await h.post(`${EVENTS}/createWebhook`, {
      name: "mine",
      location: "https://example.com/h",
      all_events: true,
      workspace_id: mine.id,
    });
    const found = await h.post(`${EVENTS}/findWebhook`, {}, member);
    expect(found.body.webhooks.map((webhook: { id: number }) => webhook.id)).toEqual([visible.body.id]);
    const byId = await h.post(`${EVENTS}/findWebhook`, { ids: [hidden.body.id] }, member);
    expect(byId.body.webhooks).toEqual([]);
    const byWorkspace = await h.post(`${EVENTS}/findWebhook`, { workspace_id: [theirs.id] }, member);
    expect(byWorkspace.body.webhooks).toEqual([]);
    const calls = await h.post(`${EVENTS}/findWebhookCall`, { webhook_ids: [hidden.body.id] }, member);
    expect(calls.body).toEqual({ calls: [], total_records: 0 });
    const event = await h.post(
      `${EVENTS}/createEvent`,
      { event_uuid: "hidden-ws-event", event_type: "CREATE", workspace_id: theirs.id, resource_type: "BUILD" },
      member,
    );
    expect(event.status).toBe(403); // createEvent is a system admin's, whatever the workspace
    expect(await h.api.db.event.count({ where: { uuid: "hidden-ws-event" } })).toBe(0);
  });

  it("answers a system admin's createEvent for a workspace that does not exist with 404, recording nothing", async () => {
    const event = await h.post(`${EVENTS}/createEvent`, {
      event_uuid: "no-such-ws-event",
      event_type: "CREATE",
      workspace_id: 2_000_000_000,
      resource_type: "BUILD",
    });
    expect(event.status).toBe(404);
    expect(event.body.error).toMatchObject({ code: "not_found", message: "workspace 2000000000 not found" });
    expect(await h.api.db.event.count({ where: { uuid: "no-such-ws-event" } })).toBe(0);
  });
});

describe("updateWebhook / deleteWebhook", () => {
  it("adds and removes event and resource types, rotates the secret, and deletes", async () => {
    const created = await h.post(`${EVENTS}/createWebhook`, { name: "upd", location: "https://example.com/a", event_types: ["CREATE"] });
    const id = created.body.id as number;
    const updated = await h.post(`${EVENTS}/updateWebhook`, {
      id: String(id),
      new_location: "https://example.com/b",
      add_event_types: ["PROMOTE", "DELETE"],
      delete_event_types: ["CREATE"],
      add_resource_types: ["MODEL_VERSION"],
      mutual_secret: "rotated",
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      id,
      location: "https://example.com/b",
      event_types: ["PROMOTE", "DELETE"],
      resource_types: ["MODEL_VERSION"],
      has_mutual_secret: true,
      mutual_secret: "",
    });
    const emptied = await h.post(`${EVENTS}/updateWebhook`, { id, delete_event_types: ["PROMOTE", "DELETE"] });
    expect(emptied.status).toBe(400);
    expect((await h.api.db.webhook.findUniqueOrThrow({ where: { id } })).eventTypes).toEqual(["PROMOTE", "DELETE"]);
    const deleted = await h.request
      .delete(`${EVENTS}/deleteWebhook`)
      .set("grpc-metadata-email", ADMIN.email)
      .set("grpc-metadata-developer_key", ADMIN.key)
      .send({ ids: [id] });
    expect(deleted.status).toBe(200);
    expect(await h.api.db.webhook.count({ where: { id } })).toBe(0);
    expect((await h.post(`${EVENTS}/deleteWebhook`, { ids: [id] })).status).toBe(404);
  });

  it("re-enables a disabled webhook with status ACTIVE", async () => {
    const created = await h.post(`${EVENTS}/createWebhook`, { name: "reenable", location: "https://example.com/a", all_events: true });
    await h.api.db.webhook.update({ where: { id: created.body.id }, data: { status: "DISABLED", disabledReason: "failing for 5 days" } });
    const found = await h.post(`${EVENTS}/findWebhook`, { ids: [created.body.id] });
    expect(found.body.webhooks[0]).toMatchObject({ status: "DISABLED", disabled_reason: "failing for 5 days" });
    const enabled = await h.post(`${EVENTS}/updateWebhook`, { id: created.body.id, status: "ACTIVE" });
    expect(enabled.body.status).toBe("ACTIVE");
    expect(enabled.body.disabled_reason).toBeUndefined();
  });
});

describe("protocol edges", () => {
  it("answers 404 for unknown routes and 405 for a wrong method, in the error shape", async () => {
    const unknown = await h.post(`${EVENTS}/noSuchThing`, {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
    const wrongMethod = await h.request.get(`${EVENTS}/createWebhook`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.error.code).toBe("method_not_allowed");
  });

  it("serves health, readiness and an OpenAPI document built from the route schemas", async () => {
    expect((await h.request.get("/healthz")).status).toBe(200);
    const ready = await h.request.get("/readyz");
    expect(ready.body).toEqual({ status: "ready", checks: { postgres: "ok", redis: "ok" } });
    const openapi = await h.request.get("/openapi.json");
    const create = openapi.body.paths["/api/v1/uac-proxy/events/createWebhook"].post;
    expect(create.requestBody.content["application/json"].schema.properties.event_types.items.enum).toContain("REQUEST_SCAN");
  });

  it("lets only system admins into the queue dashboard", async () => {
    const workspace = await h.createWorkspace();
    const member = await h.createUser([workspace.id]);
    expect((await h.request.get("/admin/queues")).status).toBe(401);
    expect(
      (await h.request.get("/admin/queues").set("grpc-metadata-email", member.email).set("grpc-metadata-developer_key", member.key)).status,
    ).toBe(403);
    const basic = Buffer.from("admin@modelhooks.test:test-admin-developer-key").toString("base64");
    const page = await h.request.get("/admin/queues/api/queues").set("authorization", `Basic ${basic}`);
    expect(page.status).toBe(200);
    expect(page.body.queues.map((queue: { name: string }) => queue.name).sort()).toEqual([
      "builds",
      "deadlines",
      "deliveries",
      "events",
      "maintenance",
      "recoveries",
      "retention",
    ]);
  });

  it("asks a browser for the dashboard login (WWW-Authenticate on every 401 under /admin/queues), and only there", async () => {
    const wrongBasic = `Basic ${Buffer.from("admin@modelhooks.test:not-the-key").toString("base64")}`;
    for (const path of ["/admin/queues", "/admin/queues/", "/admin/queues/queue/deliveries", "/admin/queues/api/queues"]) {
      for (const authorization of [undefined, wrongBasic]) {
        const request = h.request.get(path);
        const response = await (authorization ? request.set("authorization", authorization) : request);
        expect({ path, authorization, status: response.status, challenge: response.headers["www-authenticate"] }).toEqual({
          path,
          authorization,
          status: 401,
          challenge: 'Basic realm="modelhooks"',
        });
        expect(response.body.error.code).toBe("unauthenticated");
      }
    }
    // The JSON API's 401s stay plain: a browser-side script calling it must not get a login prompt.
    for (const response of [
      await h.request.post(`${EVENTS}/findWebhook`).send({}),
      await h.request.get("/api/v1/registry/registered_models/1"),
      await h.request.get("/admin/queuesque"),
    ]) {
      expect(response.headers["www-authenticate"]).toBeUndefined();
    }
  });
});

describe("metrics", () => {
  it("exposes calls by outcome, queue depths and events emitted for Prometheus", async () => {
    const workspace = await h.createWorkspace();
    await h.createWebhook({ name: "metrics", location: "https://example.com/m", all_events: true, workspace_id: workspace.id });
    await sendEvent(h, workspace.id, "metrics-event");
    // No worker here: record a finished call as the worker would have.
    const event = await h.api.db.event.findFirstOrThrow({ where: { uuid: "metrics-event" } });
    const webhook = await h.api.db.webhook.findFirstOrThrow({ where: { name: "metrics", workspaceId: workspace.id } });
    await h.api.db.webhookCall.create({ data: { eventId: event.id, webhookId: webhook.id, status: "FAILURE" } });
    const metrics = await h.request.get("/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/modelhooks_events_emitted_total\{[^}]*event_type="CREATE"[^}]*source="api"[^}]*\} 1/);
    expect(metrics.text).toMatch(/modelhooks_webhook_calls\{[^}]*status="FAILURE"[^}]*\} [1-9]/);
    // Fan-out jobs carry their workspace's fair-share priority: they wait in the prioritized set.
    expect(metrics.text).toMatch(/modelhooks_queue_jobs\{[^}]*queue="events"[^}]*state="prioritized"[^}]*\} 1/);
  });
});

describe("findWebhookCall pagination", () => {
  it("answers newest first, page by page, with the total", async () => {
    const workspace = await h.createWorkspace();
    const webhook = await h.api.db.webhook.create({
      data: { workspaceId: workspace.id, name: "paged", location: "https://example.com/p", allEvents: true },
    });
    const ids: number[] = [];
    for (let index = 0; index < 5; index++) {
      const event = await h.api.db.event.create({
        data: {
          uuid: `paged-${index}`,
          workspaceId: workspace.id,
          eventType: "CREATE",
          resourceType: "BUILD",
          timestamp: new Date(),
          payload: {},
        },
      });
      const call = await h.api.db.webhookCall.create({
        data: { eventId: event.id, webhookId: webhook.id, createdAt: new Date(Date.UTC(2026, 0, 1, 0, index)) },
      });
      ids.push(call.id);
    }
    const page = (number: number, limit: number) =>
      h.post(`${EVENTS}/findWebhookCall`, { webhook_ids: [webhook.id], page_number: number, page_limit: limit });
    const second = await page(2, 2);
    expect(second.body.total_records).toBe(5);
    expect(second.body.calls.map((call: { id: number }) => call.id)).toEqual([ids[2], ids[1]]);
    expect((await page(3, 2)).body.calls.map((call: { id: number }) => call.id)).toEqual([ids[0]]);
    expect((await page(1, 100)).body.calls.map((call: { id: number }) => call.id)).toEqual([...ids].reverse());
    expect((await page(1, 1001)).status).toBe(400);
  });
});

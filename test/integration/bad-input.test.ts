import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Response } from "supertest";
import { ADMIN, createHarness, EVENTS, type Harness } from "../support/harness.js";

// Bad input of any kind answers 400 (413 when too large) with
// {error: {code, message, details: [{path, message}]}}, names the offending field, shows no
// stack trace, and writes nothing. Every case below runs against the real API and database.

let h: Harness;

interface Fixtures {
  workspaceId: number;
  /** event_types [CREATE], all_events false; its location refuses connections. */
  webhookId: number;
  otherWebhookId: number;
  callId: number;
}
let f: Fixtures;

/** A body sent byte for byte as application/json, for what supertest would not serialise. */
class Raw {
  constructor(readonly text: string) {}
}

type Method = "post" | "put" | "delete";
type Body = Record<string, unknown> | Raw;

interface Route {
  method: Method;
  path: (fixtures: Fixtures) => string;
  /** A body the route accepts: the base every "one thing wrong" case changes. */
  valid: (fixtures: Fixtures) => Record<string, unknown>;
}

const route = (method: Method, path: string | ((fixtures: Fixtures) => string), valid: Route["valid"]): Route => ({
  method,
  path: typeof path === "string" ? () => path : path,
  valid,
});

const ROUTES = {
  createWebhook: route("post", `${EVENTS}/createWebhook`, (x) => ({
    name: "fresh",
    workspace_id: x.workspaceId,
    location: "https://example.com/hook",
    all_events: true,
  })),
  updateWebhook: route("post", `${EVENTS}/updateWebhook`, (x) => ({ id: x.webhookId, new_location: "https://example.com/changed" })),
  createEvent: route("post", `${EVENTS}/createEvent`, (x) => ({
    event_uuid: "bad-input-event",
    event_type: "CREATE",
    workspace_id: x.workspaceId,
    resource_type: "BUILD",
  })),
  findWebhookCall: route("post", `${EVENTS}/findWebhookCall`, (x) => ({ webhook_ids: [x.webhookId] })),
  retriggerWebhookCall: route("post", `${EVENTS}/retriggerWebhookCall`, (x) => ({ call_id: x.callId })),
  triggerTest: route("post", `${EVENTS}/triggerTest`, (x) => ({ webhook_id: x.webhookId })),
  "deleteWebhook (POST)": route("post", `${EVENTS}/deleteWebhook`, (x) => ({ ids: [x.webhookId] })),
  "deleteWebhook (DELETE)": route("delete", `${EVENTS}/deleteWebhook`, (x) => ({ ids: [x.otherWebhookId] })),
  "admin createWorkspace": route("post", "/api/v1/admin/workspaces", () => ({ name: "fresh-workspace" })),
  "admin createUser": route("post", "/api/v1/admin/users", (x) => ({ email: "fresh@example.test", workspace_ids: [x.workspaceId] })),
  "admin setFeatureFlag": route(
    "put",
    (x) => `/api/v1/admin/workspaces/${x.workspaceId}/feature-flags/PROMOTION_EVENTS`,
    () => ({ enabled: true }),
  ),
} satisfies Record<string, Route>;

type RouteName = keyof typeof ROUTES;

interface BadCase {
  route: RouteName;
  name: string;
  body: (fixtures: Fixtures) => Body;
  /** Overrides the route's path (bad path parameters). */
  path?: (fixtures: Fixtures) => string;
  status?: 400 | 413;
  /** Fields that must each appear in error.details[].path (exactly, or as the head of a nested path). */
  fields: string[];
}

/** The route's valid body with some fields changed (undefined removes a field). */
const changed =
  (name: RouteName, changes: Record<string, unknown>) =>
  (fixtures: Fixtures): Body => {
    const body: Record<string, unknown> = { ...ROUTES[name].valid(fixtures), ...changes };
    for (const [key, value] of Object.entries(changes)) if (value === undefined) delete body[key];
    return body;
  };

/** A case that changes some fields of the route's valid body (undefined removes one); `fields` must be named. */
const one = (name: RouteName, label: string, changes: Record<string, unknown>, fields: string[]): BadCase => ({
  route: name,
  name: label,
  body: changed(name, changes),
  fields,
});

const BODY_LIMIT = 1024 * 1024; // BODY_LIMIT_BYTES default, not overridden by the harness

/** Cases every route gets: unreadable bodies, non-object bodies, oversized bodies, unknown fields. */
function commonCases(name: RouteName): BadCase[] {
  return [
    { route: name, name: "malformed JSON", body: () => new Raw('{"name": "x",'), fields: ["(body)"] },
    { route: name, name: "JSON with a trailing comma", body: () => new Raw('{"a": 1,}'), fields: ["(body)"] },
    { route: name, name: "a JSON string instead of an object", body: () => new Raw('"text"'), fields: ["(body)"] },
    { route: name, name: "JSON null instead of an object", body: () => new Raw("null"), fields: ["(body)"] },
    { route: name, name: "a JSON array instead of an object", body: () => new Raw("[]"), fields: ["(body)"] },
    {
      route: name,
      name: "a body over BODY_LIMIT_BYTES",
      body: (x) => new Raw(JSON.stringify({ ...ROUTES[name].valid(x), padding: "a".repeat(BODY_LIMIT) })),
      status: 413,
      fields: [],
    },
    { route: name, name: "an extra field", body: changed(name, { unexpected_field: 1 }), fields: ["unexpected_field"] },
  ];
}

const LONG_LOCATION = `https://example.com/${"a".repeat(2049 - "https://example.com/".length)}`;

/** Location checks shared by createWebhook.location and updateWebhook.new_location. */
function locationCases(name: RouteName, field: string): BadCase[] {
  return [
    ["an ftp URL", "ftp://example.com/hook"],
    ["not a URL", "not a url"],
    ["a relative path", "/hook"],
    ["a URL with user:pass@", "https://user:pass@example.com/hook"],
    ["a URL with a user name only", "https://user@example.com/hook"],
    ["a file URL", "file:///etc/passwd"],
    ["a javascript URL", "javascript:alert(1)"],
    ["a URL over 2048 characters", LONG_LOCATION],
    ["a number", 42],
    ["null", null],
  ].map(([label, value]) => ({
    route: name,
    name: `${field}: ${String(label)}`,
    body: changed(name, { [field]: value }),
    fields: [field],
  }));
}

const specificCases: BadCase[] = [
  // createWebhook
  { route: "createWebhook", name: "empty body", body: () => ({}), fields: ["name", "location"] },
  one("createWebhook", "missing name", { name: undefined }, ["name"]),
  one("createWebhook", "missing location", { location: undefined }, ["location"]),
  one("createWebhook", "empty name", { name: "" }, ["name"]),
  one("createWebhook", "blank name", { name: "   " }, ["name"]),
  one("createWebhook", "name of 256 characters", { name: "n".repeat(256) }, ["name"]),
  one("createWebhook", "numeric name", { name: 123 }, ["name"]),
  one("createWebhook", "workspace_id not numeric", { workspace_id: "abc" }, ["workspace_id"]),
  one("createWebhook", "negative workspace_id", { workspace_id: -1 }, ["workspace_id"]),
  one("createWebhook", "fractional workspace_id", { workspace_id: 1.5 }, ["workspace_id"]),
  one("createWebhook", "all_events as a string", { all_events: "true" }, ["all_events"]),
  one("createWebhook", "event_types as a string", { event_types: "CREATE" }, ["event_types"]),
  one("createWebhook", "unknown event type", { all_events: false, event_types: ["CREATE", "ARCHIVE"] }, ["event_types"]),
  one("createWebhook", "lower-case event type", { all_events: false, event_types: ["create"] }, ["event_types"]),
  one("createWebhook", "unknown resource type", { resource_types: ["DATASET"] }, ["resource_types"]),
  one("createWebhook", "resource_types as a string", { resource_types: "BUILD" }, ["resource_types"]),
  one("createWebhook", "empty event_types with all_events false", { all_events: false, event_types: [] }, ["event_types"]),
  one("createWebhook", "no event_types and no all_events", { all_events: undefined }, ["event_types"]),
  one("createWebhook", "numeric mutual_secret", { mutual_secret: 123 }, ["mutual_secret"]),
  one("createWebhook", "mutual_secret over 1024 characters", { mutual_secret: "s".repeat(1025) }, ["mutual_secret"]),
  one("createWebhook", "a typo for mutual_secret", { secret: "s3cr3t" }, ["secret"]),
  ...locationCases("createWebhook", "location"),

  // updateWebhook: each case also carries a valid change (new_location) that must not be applied.
  { route: "updateWebhook", name: "empty body", body: () => ({}), fields: ["id"] },
  one("updateWebhook", "missing id", { id: undefined }, ["id"]),
  one("updateWebhook", "id not numeric", { id: "abc" }, ["id"]),
  one("updateWebhook", "id zero", { id: 0 }, ["id"]),
  { route: "updateWebhook", name: "id as a list", body: (x) => ({ id: [x.webhookId] }), fields: ["id"] },
  one("updateWebhook", "unknown event type added", { add_event_types: ["ARCHIVE"] }, ["add_event_types"]),
  one("updateWebhook", "delete_event_types as a string", { delete_event_types: "CREATE" }, ["delete_event_types"]),
  one("updateWebhook", "unknown resource type added", { add_resource_types: ["DATASET"] }, ["add_resource_types"]),
  one("updateWebhook", "unknown resource type deleted", { delete_resource_types: ["DATASET"] }, ["delete_resource_types"]),
  one("updateWebhook", "set_all_events as a string", { set_all_events: "true" }, ["set_all_events"]),
  one("updateWebhook", "set_all_events and clear_all_events together", { set_all_events: true, clear_all_events: true }, [
    "clear_all_events",
  ]),
  one("updateWebhook", "unknown status", { status: "PAUSED" }, ["status"]),
  one("updateWebhook", "empty new_name", { new_name: "" }, ["new_name"]),
  one("updateWebhook", "numeric mutual_secret", { mutual_secret: 42 }, ["mutual_secret"]),
  one("updateWebhook", "deleting the last event type while all_events is false", { delete_event_types: ["CREATE"] }, [
    "delete_event_types",
  ]),
  one("updateWebhook", "the create-time field name location", { location: "https://example.com/x" }, ["location"]),
  ...locationCases("updateWebhook", "new_location"),

  // createEvent
  { route: "createEvent", name: "empty body", body: () => ({}), fields: ["event_uuid", "event_type", "workspace_id", "resource_type"] },
  one("createEvent", "missing resource_type", { resource_type: undefined }, ["resource_type"]),
  one("createEvent", "unknown event type", { event_type: "ARCHIVE" }, ["event_type"]),
  one("createEvent", "lower-case event type", { event_type: "create" }, ["event_type"]),
  one("createEvent", "unknown resource type", { resource_type: "DATASET" }, ["resource_type"]),
  one("createEvent", "workspace_id not numeric", { workspace_id: "abc" }, ["workspace_id"]),
  one("createEvent", "workspace_id zero", { workspace_id: "0" }, ["workspace_id"]),
  one("createEvent", "event_uuid with a space", { event_uuid: "has space" }, ["event_uuid"]),
  one("createEvent", "empty event_uuid", { event_uuid: "" }, ["event_uuid"]),
  // What JSON allows but PostgreSQL cannot store (JSON.stringify writes a lone surrogate as \\ud800).
  one("createEvent", "an unpaired surrogate in an entity", { new_entity: { value: "\ud800" } }, ["new_entity.value"]),
  one("createEvent", "an unpaired surrogate in an entity's field name", { original_entity: { "a\udfff": 1 } }, ["original_entity"]),
  one("createEvent", "a NUL character in an entity", { new_entity: { nested: { value: "a\u0000b" } } }, ["new_entity.nested.value"]),
  one("createWebhook", "an unpaired surrogate in the name", { name: "hook-\ud83d" }, ["name"]),
  one("createEvent", "a timestamp in the year 0", { timestamp: "0000-06-01T00:00:00Z" }, ["timestamp"]),
  one("createEvent", "a timestamp in the year 10000", { timestamp: 253_402_300_800_000 }, ["timestamp"]),
  one("createEvent", "numeric event_uuid", { event_uuid: 123 }, ["event_uuid"]),
  one("createEvent", "unreadable timestamp", { timestamp: "yesterday" }, ["timestamp"]),
  one("createEvent", "negative timestamp", { timestamp: -5 }, ["timestamp"]),
  one("createEvent", "new_entity as a string", { new_entity: "text" }, ["new_entity"]),
  one("createEvent", "original_entity as a list", { original_entity: [1] }, ["original_entity"]),

  // findWebhookCall
  one("findWebhookCall", "page_limit 0", { page_limit: 0 }, ["page_limit"]),
  one("findWebhookCall", "page_limit over 1000", { page_limit: 1001 }, ["page_limit"]),
  one("findWebhookCall", "page_limit not numeric", { page_limit: "many" }, ["page_limit"]),
  one("findWebhookCall", "page_number 0", { page_number: 0 }, ["page_number"]),
  one("findWebhookCall", "unknown status", { status: ["DONE"] }, ["status"]),
  one("findWebhookCall", "ids not numeric", { ids: ["abc"] }, ["ids"]),
  one("findWebhookCall", "negative webhook id", { webhook_ids: [-1] }, ["webhook_ids"]),
  one("findWebhookCall", "numeric event uuid", { event_uuids: [1] }, ["event_uuids"]),
  one("findWebhookCall", "include_attempts as a string", { include_attempts: "yes" }, ["include_attempts"]),

  // retriggerWebhookCall
  { route: "retriggerWebhookCall", name: "empty body", body: () => ({}), fields: ["call_id"] },
  { route: "retriggerWebhookCall", name: "call_id not numeric", body: () => ({ call_id: "abc" }), fields: ["call_id"] },
  { route: "retriggerWebhookCall", name: "negative call_id", body: () => ({ call_id: -1 }), fields: ["call_id"] },
  { route: "retriggerWebhookCall", name: "fractional call_id", body: () => ({ call_id: 1.5 }), fields: ["call_id"] },
  { route: "retriggerWebhookCall", name: "call_id as a list", body: (x) => ({ call_id: [x.callId] }), fields: ["call_id"] },
  { route: "retriggerWebhookCall", name: "null call_id", body: () => ({ call_id: null }), fields: ["call_id"] },
  { route: "retriggerWebhookCall", name: "the field named id", body: (x) => ({ id: x.callId }), fields: ["call_id", "id"] },

  // triggerTest
  { route: "triggerTest", name: "empty body", body: () => ({}), fields: ["webhook_id"] },
  { route: "triggerTest", name: "webhook_id not numeric", body: () => ({ webhook_id: "x" }), fields: ["webhook_id"] },
  { route: "triggerTest", name: "webhook_id as a boolean", body: () => ({ webhook_id: true }), fields: ["webhook_id"] },

  // deleteWebhook, both methods: all or nothing, so a valid id beside a bad one is not deleted.
  ...(["deleteWebhook (POST)", "deleteWebhook (DELETE)"] as const).flatMap((name): BadCase[] => [
    { route: name, name: "empty body", body: () => ({}), fields: ["ids"] },
    { route: name, name: "empty ids", body: () => ({ ids: [] }), fields: ["ids"] },
    { route: name, name: "ids as a string", body: () => ({ ids: "abc" }), fields: ["ids"] },
    { route: name, name: "ids as a single number", body: (x) => ({ ids: x.webhookId }), fields: ["ids"] },
    { route: name, name: "a real id beside a non-numeric one", body: (x) => ({ ids: [x.webhookId, "abc"] }), fields: ["ids"] },
    { route: name, name: "a real id beside zero", body: (x) => ({ ids: [x.otherWebhookId, 0] }), fields: ["ids"] },
  ]),

  // admin: workspaces
  { route: "admin createWorkspace", name: "empty body", body: () => ({}), fields: ["name"] },
  { route: "admin createWorkspace", name: "empty name", body: () => ({ name: "" }), fields: ["name"] },
  { route: "admin createWorkspace", name: "name with a space", body: () => ({ name: "has space" }), fields: ["name"] },
  { route: "admin createWorkspace", name: "name with a slash", body: () => ({ name: "a/b" }), fields: ["name"] },
  { route: "admin createWorkspace", name: "numeric name", body: () => ({ name: 5 }), fields: ["name"] },
  { route: "admin createWorkspace", name: "name of 256 characters", body: () => ({ name: "w".repeat(256) }), fields: ["name"] },

  // admin: users
  { route: "admin createUser", name: "empty body", body: () => ({}), fields: ["email"] },
  one("admin createUser", "not an email", { email: "not-an-email" }, ["email"]),
  one("admin createUser", "numeric email", { email: 5 }, ["email"]),
  one("admin createUser", "workspace_ids not numeric", { workspace_ids: ["x"] }, ["workspace_ids"]),
  one("admin createUser", "workspace_ids as a string", { workspace_ids: "1" }, ["workspace_ids"]),
  one("admin createUser", "system_admin as a string", { system_admin: "true" }, ["system_admin"]),
  one("admin createUser", "a developer key chosen by the caller", { developer_key: "mine" }, ["developer_key"]),

  // admin: feature flags (path parameters and body)
  { route: "admin setFeatureFlag", name: "empty body", body: () => ({}), fields: ["enabled"] },
  { route: "admin setFeatureFlag", name: "enabled as a string", body: () => ({ enabled: "yes" }), fields: ["enabled"] },
  { route: "admin setFeatureFlag", name: "enabled as a number", body: () => ({ enabled: 1 }), fields: ["enabled"] },
  {
    route: "admin setFeatureFlag",
    name: "workspace id in the path not numeric",
    path: () => "/api/v1/admin/workspaces/abc/feature-flags/PROMOTION_EVENTS",
    body: () => ({ enabled: true }),
    fields: ["workspace_id"],
  },
  {
    route: "admin setFeatureFlag",
    name: "unknown flag in the path",
    path: (x) => `/api/v1/admin/workspaces/${x.workspaceId}/feature-flags/NO_SUCH_FLAG`,
    body: () => ({ enabled: true }),
    fields: ["flag"],
  },
];

const CASES: BadCase[] = [...(Object.keys(ROUTES) as RouteName[]).flatMap(commonCases), ...specificCases];

function send(method: Method, path: string, body: Body) {
  const request = method === "post" ? h.request.post(path) : method === "put" ? h.request.put(path) : h.request.delete(path);
  request.set("grpc-metadata-email", ADMIN.email).set("grpc-metadata-developer_key", ADMIN.key);
  return body instanceof Raw ? request.set("content-type", "application/json").send(body.text) : request.send(body);
}

/** Everything a bad request could have written: rows (with their contents where they can change) and queued jobs. */
async function snapshot() {
  const db = h.api.db;
  const [webhooks, flags, events, calls, attempts, users, workspaces, memberships] = await Promise.all([
    db.webhook.findMany({ orderBy: { id: "asc" } }),
    db.workspaceFeatureFlag.findMany({ orderBy: [{ workspaceId: "asc" }, { flag: "asc" }] }),
    db.event.count(),
    db.webhookCall.count(),
    db.webhookCallAttempt.count(),
    db.user.count(),
    db.workspace.count(),
    db.workspaceMembership.count(),
  ]);
  const jobs = await Promise.all(
    Object.entries(h.api.queues.queues).map(async ([name, queue]) => [name, await queue.getJobCounts()] as const),
  );
  return { counts: { events, calls, attempts, users, workspaces, memberships }, webhooks, flags, jobs: Object.fromEntries(jobs) };
}

interface ErrorDetail {
  path: string;
  message: string;
}

function expectErrorAnswer(response: Response, status: number, fields: string[]): void {
  expect(response.status).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  expect(response.body).toEqual({
    error: {
      code: status === 413 ? "payload_too_large" : "invalid_argument",
      message: expect.any(String),
      details: expect.any(Array),
    },
  });
  const error = response.body.error as { message: string; details: ErrorDetail[] };
  expect(error.message.length).toBeGreaterThan(0);
  for (const detail of error.details) expect(detail).toEqual({ path: expect.any(String), message: expect.any(String) });
  const paths = error.details.map((detail) => detail.path);
  for (const field of fields) {
    const named = paths.some((path) => path === field || path.startsWith(`${field}.`));
    expect({ field, paths, named }).toEqual({ field, paths, named: true });
  }
  // No stack trace, source location or internals in the answer.
  expect(response.text).not.toMatch(/"stack"|\n\s+at |node_modules|\.[cm]?[jt]s:\d+|ZodError|Prisma|SyntaxError/);
}

beforeAll(async () => {
  h = await createHarness();
  const workspace = await h.createWorkspace();
  const webhook = async (name: string) => {
    const response = await h.post(`${EVENTS}/createWebhook`, {
      name,
      workspace_id: workspace.id,
      // Port 9 (discard): nothing listens, so a triggerTest that slips through sends nothing anywhere.
      location: "http://127.0.0.1:9/never",
      mutual_secret: "fixture-secret",
      event_types: ["CREATE"],
      all_events: false,
    });
    if (response.status !== 200) throw new Error(`createWebhook: ${response.status} ${response.text}`);
    return response.body.id as number;
  };
  const webhookId = await webhook("fixture");
  const otherWebhookId = await webhook("fixture-other");
  const event = await h.api.db.event.create({
    data: {
      uuid: "fixture-event",
      workspaceId: workspace.id,
      eventType: "CREATE",
      resourceType: "BUILD",
      timestamp: new Date(),
      payload: {},
    },
  });
  const call = await h.api.db.webhookCall.create({ data: { eventId: event.id, webhookId, status: "FAILURE", attempts: 1 } });
  f = { workspaceId: workspace.id, webhookId, otherWebhookId, callId: call.id };
});

afterAll(async () => {
  await h.close();
});

describe("bad input answers 4xx in the error shape, names the field, and writes nothing", () => {
  it.each(CASES.map((badCase) => [`${badCase.route}: ${badCase.name}`, badCase] as const))("%s", async (_title, badCase) => {
    const before = await snapshot();
    const path = (badCase.path ?? ROUTES[badCase.route].path)(f);
    const response = await send(ROUTES[badCase.route].method, path, badCase.body(f));
    expectErrorAnswer(response, badCase.status ?? 400, badCase.fields);
    expect(await snapshot()).toEqual(before);
  });
});

// The controls: each route's base body is accepted, so every case above was refused for the one
// thing it changed. Run last, as they write.
describe("controls: the unchanged bodies are accepted", () => {
  it("findWebhookCall, triggerTest, retriggerWebhookCall and createEvent accept their base bodies", async () => {
    const before = await snapshot();
    const found = await send("post", ROUTES.findWebhookCall.path(f), ROUTES.findWebhookCall.valid(f));
    expect(found.status).toBe(200);
    expect(found.body.total_records).toBe(1);
    const test = await send("post", ROUTES.triggerTest.path(f), ROUTES.triggerTest.valid(f));
    expect(test.status).toBe(200);
    expect(test.body.status_code).toBe(0);
    const retriggered = await send("post", ROUTES.retriggerWebhookCall.path(f), ROUTES.retriggerWebhookCall.valid(f));
    expect(retriggered.status).toBe(200);
    expect(retriggered.body.id).not.toBe(f.callId);
    const event = await send("post", ROUTES.createEvent.path(f), ROUTES.createEvent.valid(f));
    expect(event.status).toBe(202);
    // The snapshot sees these writes, so its equality above means something.
    const after = await snapshot();
    expect(after.counts).toMatchObject({ calls: before.counts.calls + 1, events: before.counts.events + 1 });
    expect(after.jobs).not.toEqual(before.jobs);
  });

  it("updateWebhook and createWebhook accept their base bodies, and a location of exactly 2048 characters", async () => {
    const updated = await send("post", ROUTES.updateWebhook.path(f), ROUTES.updateWebhook.valid(f));
    expect(updated.status).toBe(200);
    expect(updated.body.location).toBe("https://example.com/changed");
    const created = await send("post", ROUTES.createWebhook.path(f), ROUTES.createWebhook.valid(f));
    expect(created.status).toBe(200);
    const longest = `https://example.com/${"a".repeat(2048 - "https://example.com/".length)}`;
    const atLimit = await send("post", ROUTES.createWebhook.path(f), {
      ...ROUTES.createWebhook.valid(f),
      name: "longest",
      location: longest,
    });
    expect(atLimit.status).toBe(200);
    expect(atLimit.body.location).toHaveLength(2048);
  });

  it("the admin routes accept their base bodies", async () => {
    for (const name of ["admin createWorkspace", "admin createUser", "admin setFeatureFlag"] as const) {
      const response = await send(ROUTES[name].method, ROUTES[name].path(f), ROUTES[name].valid(f));
      expect({ name, status: response.status }).toEqual({ name, status: 200 });
    }
  });

  it("deleteWebhook accepts its base body with either method", async () => {
    for (const name of ["deleteWebhook (POST)", "deleteWebhook (DELETE)"] as const) {
      const response = await send(ROUTES[name].method, ROUTES[name].path(f), ROUTES[name].valid(f));
      expect({ name, status: response.status }).toEqual({ name, status: 200 });
    }
    expect(await h.api.db.webhook.count({ where: { id: { in: [f.webhookId, f.otherWebhookId] } } })).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Response } from "supertest";
import type { RouteDef } from "../../apps/api/src/route-table.js";
import { tableSnapshot } from "../support/db-snapshot.js";
import { ADMIN, createHarness, type Caller, type Harness } from "../support/harness.js";
import { createRouteFixture, fillPath, pathParams, ROUTE_INPUTS, sendAs, tableRoutes, type RouteFixture } from "../support/route-inputs.js";

// Tenant isolation and admin-only writes (docs/security.md): every route of the route table × {no credentials, wrong key, member of another
// workspace only, member, system admin}. The cases are generated from the table, and the first
// test fails when a route has no valid input in ROUTE_INPUTS, so a new route cannot be forgotten.

let h: Harness;
/** A member of workspace B only: A's resources must be invisible to them. */
let outsider: Caller;
/** Workspace A for the cases that must be refused: a refusal changes nothing, so they can share it. */
let refused: RouteFixture;

beforeAll(async () => {
  h = await createHarness();
  const b = await h.createWorkspace();
  outsider = await h.createUser([b.id]);
  refused = await createRouteFixture(h);
});

afterAll(async () => {
  await h.close();
});

type CallerKind = "no credentials" | "wrong key" | "member of another workspace" | "member" | "system admin";
const CALLER_KINDS: CallerKind[] = ["no credentials", "wrong key", "member of another workspace", "member", "system admin"];

interface Expectation {
  status: number;
  /** Extra checks on the answer. */
  check?: (body: any, fx: RouteFixture) => void;
}

/**
 * Search routes do not name a resource, they filter: a caller outside A gets 200 with nothing of
 * A's in it ("only ever sees ... of their own workspaces", docs/security.md). A member sees the fixture.
 */
const SEARCH_ROUTES: Record<string, { outsider: Expectation["check"]; member: Expectation["check"]; admin?: Expectation["check"] }> = {
  "POST /findWebhook": {
    outsider: (body) => expect(body).toEqual({ webhooks: [] }),
    member: (body, fx) => expect(body.webhooks.map((webhook: { id: number }) => webhook.id)).toEqual([fx.webhookId]),
  },
  "POST /findWebhookCall": {
    outsider: (body) => expect(body).toEqual({ calls: [], total_records: 0 }),
    member: (body, fx) =>
      expect({ ids: body.calls.map((call: { id: number }) => call.id), total: body.total_records }).toEqual({ ids: [fx.callId], total: 1 }),
  },
  "POST /findEvents": {
    outsider: (body) => expect(body).toEqual({ events: [], total_records: 0 }),
    member: (body, fx) =>
      expect(body.events.map((event: { event_uuid: string; calls: unknown }) => [event.event_uuid, event.calls])).toEqual([
        [fx.eventUuid, { total: 1, success: 0, failure: 1, in_progress: 0 }],
      ]),
  },
  // A user's own notifications: everyone sees only theirs (the admin has none in the fixture).
  "GET /": {
    outsider: (body) => expect(body).toEqual({ notifications: [], unread_count: 0, total_records: 0 }),
    member: (body, fx) =>
      expect({ ids: body.notifications.map((n: { id: number }) => n.id), unread: body.unread_count }).toEqual({
        ids: [fx.notificationId],
        unread: 1,
      }),
    admin: (body) => expect(body).toEqual({ notifications: [], unread_count: 0, total_records: 0 }),
  },
  // Who am I: every signed-in caller sees themselves, and only the workspaces they may open.
  "GET /session": {
    outsider: (body) => expect(body.user).toMatchObject({ email: outsider.email, system_admin: false }),
    member: (body, fx) =>
      expect(body.user).toMatchObject({
        email: fx.member.email,
        system_admin: false,
        workspaces: [{ workspace_id: fx.workspace.id, name: fx.workspace.name }],
      }),
    admin: (body, fx) =>
      expect({
        admin: body.user.system_admin,
        sees: body.user.workspaces.some((w: { workspace_id: number }) => w.workspace_id === fx.workspace.id),
      }).toEqual({
        admin: true,
        sees: true,
      }),
  },
  "POST /read-all": {
    outsider: (body) => expect(body).toEqual({ marked: 0 }),
    member: (body) => expect(body).toEqual({ marked: 1 }),
    admin: (body) => expect(body).toEqual({ marked: 0 }),
  },
};

/** Routes on a resource of one user's own (a notification): even a system admin gets 404 for another's. */
const OWNER_ONLY = new Set(["POST /:id/read"]);

function expected(route: RouteDef, key: string, kind: CallerKind): Expectation {
  const success: Expectation = { status: route.status ?? 200, check: SEARCH_ROUTES[key]?.member };
  // Signing in and out take no credentials: the body (or the cookie) is what counts.
  if (route.access === "public") return success;
  switch (kind) {
    case "no credentials":
    case "wrong key":
      return { status: 401, check: (body) => expect(body.error.code).toBe("unauthenticated") };
    case "member of another workspace":
      if (route.access === "admin") return { status: 403, check: (body) => expect(body.error.code).toBe("permission_denied") };
      if (SEARCH_ROUTES[key]) return { status: 200, check: SEARCH_ROUTES[key].outsider };
      // A resource-level 404 ("… not found"), not the router's "no route" 404.
      return {
        status: 404,
        check: (body) => expect(body.error).toMatchObject({ code: "not_found", message: expect.stringMatching(/not found$/) }),
      };
    case "member":
      if (route.access === "admin") return { status: 403, check: (body) => expect(body.error.code).toBe("permission_denied") };
      return success;
    case "system admin":
      if (OWNER_ONLY.has(key)) return { status: 404, check: (body) => expect(body.error.code).toBe("not_found") };
      return { ...success, check: SEARCH_ROUTES[key]?.admin ?? success.check };
  }
}

function callerFor(kind: CallerKind, fx: RouteFixture): Caller | null {
  switch (kind) {
    case "no credentials":
      return null;
    case "wrong key":
      // The member's email with a key that is valid, but another user's (the admin's): keys are
      // bound to their user, not merely looked up.
      return { email: fx.member.email, key: ADMIN.key };
    case "member of another workspace":
      return outsider;
    case "member":
      return fx.member;
    case "system admin":
      return ADMIN;
  }
}

function describeAnswer(response: Response) {
  return { status: response.status, body: response.body as unknown };
}

describe("the route table and ROUTE_INPUTS agree", () => {
  it("every route has valid input (with a value for each path parameter), and no input is stale", () => {
    const keys = tableRoutes.map((entry) => entry.key);
    expect(keys.filter((key) => !(key in ROUTE_INPUTS))).toEqual([]);
    expect(Object.keys(ROUTE_INPUTS).filter((key) => !keys.includes(key))).toEqual([]);
    // One key per route: were two groups to share a method and path, the key would need the group.
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]);
    const fx = {
      workspace: { id: 1, name: "w" },
      member: { id: 1, email: "m", key: "k" },
      author: { id: 2, email: "a", key: "k" },
    } as unknown as RouteFixture;
    for (const { route, key } of tableRoutes) {
      const input = ROUTE_INPUTS[key]?.(fx);
      expect({ key, params: Object.keys(input?.params ?? {}).sort() }).toEqual({ key, params: pathParams(route.path).sort() });
      // A route with a body schema gets a body.
      if (route.body) expect({ key, hasBody: input?.body !== undefined }).toEqual({ key, hasBody: true });
    }
  });

  it("covers every kind of access the table uses", () => {
    expect(new Set(tableRoutes.map((entry) => entry.route.access))).toEqual(new Set(["admin", "member", "public"]));
  });
});

const matrix = tableRoutes.flatMap(({ group, prefixes, route, key }) =>
  prefixes.map((prefix) => ({
    group,
    prefix,
    route,
    key,
    title: `${route.method.toUpperCase()} ${prefix}${route.path} (${route.access})`,
  })),
);

describe.each(matrix)("$title", ({ prefix, route, key }) => {
  it.each(CALLER_KINDS)("%s", async (kind) => {
    const makeInput = ROUTE_INPUTS[key];
    if (!makeInput) throw new Error(`no valid input for ${key} in ROUTE_INPUTS (test/support/route-inputs.ts)`);
    const want = expected(route, key, kind);
    const refusal = want.status >= 400;
    // A fresh workspace per success: a delete or an approval must not change what the next case sees.
    const fx = refusal ? refused : await createRouteFixture(h);
    const input = makeInput(fx);
    const before = refusal ? await tableSnapshot(h.api.db) : undefined;

    const response = await sendAs(h, route.method, `${prefix}${fillPath(route.path, input.params)}`, input.body, callerFor(kind, fx));

    expect(describeAnswer(response)).toEqual({ status: want.status, body: expect.anything() });
    want.check?.(response.body, fx);
    // A refusal writes nothing.
    if (before) expect(await tableSnapshot(h.api.db)).toEqual(before);
  });
});

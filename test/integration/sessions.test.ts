import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { tableSnapshot } from "../support/db-snapshot.js";
import { ADMIN, createHarness, EVENTS, type Caller, type Harness } from "../support/harness.js";

// The console's sessions (docs/security.md, "Sessions"): a cookie that is HttpOnly and
// SameSite=Strict, stored hashed, ending after SESSION_IDLE_TIMEOUT_MS idle or at sign-out, and
// accepted for changes only with the header a cross-site form cannot send.

const IDLE_TIMEOUT_MS = 60 * 60 * 1000;
const CSRF = { "x-modelhooks-csrf": "1" };

let h: Harness;
let member: Caller & { id: number };
let workspace: { id: number; name: string };

beforeAll(async () => {
  h = await createHarness({ env: { SESSION_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) } });
  workspace = await h.createWorkspace();
  member = await h.createUser([workspace.id]);
});

afterAll(async () => {
  await h.close();
});

async function signIn(caller: Caller): Promise<{ cookie: string; setCookie: string; body: any }> {
  const response = await h.request.post("/api/v1/auth/session").set(CSRF).send({ email: caller.email, developer_key: caller.key });
  expect(response.status).toBe(200);
  const setCookie = ([] as string[]).concat(response.headers["set-cookie"] ?? [])[0] ?? "";
  return { cookie: setCookie.split(";")[0] ?? "", setCookie, body: response.body };
}

const tokenOf = (cookie: string) => decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1));

describe("signing in", () => {
  it("sets an HttpOnly, SameSite=Strict cookie whose token is stored only as its hash, and answers who signed in", async () => {
    const { cookie, setCookie, body } = await signIn(member);
    expect(cookie).toMatch(/^modelhooks_session=.{40,}$/);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Strict/i);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).not.toMatch(/; Secure/i); // development: plain http on loopback
    expect(body).toEqual({
      user: {
        user_id: member.id,
        email: member.email,
        system_admin: false,
        workspaces: [{ workspace_id: workspace.id, name: workspace.name }],
      },
    });
    const token = tokenOf(cookie);
    const rows = await h.api.db.session.findMany({ where: { userId: member.id } });
    expect(rows.map((row) => row.tokenHash)).toContain(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("a wrong key is a 401 and starts no session", async () => {
    const before = await h.api.db.session.count();
    const response = await h.request.post("/api/v1/auth/session").set(CSRF).send({ email: member.email, developer_key: "mhk_wrong" });
    expect({ status: response.status, code: response.body.error?.code, cookie: response.headers["set-cookie"] }).toEqual({
      status: 401,
      code: "unauthenticated",
      cookie: undefined,
    });
    expect(await h.api.db.session.count()).toBe(before);
  });

  it("without the CSRF header a sign-in is refused (a cross-site form must not sign a browser in)", async () => {
    const before = await tableSnapshot(h.api.db);
    const response = await h.request.post("/api/v1/auth/session").send({ email: member.email, developer_key: member.key });
    expect({ status: response.status, code: response.body.error?.code }).toEqual({ status: 403, code: "csrf_required" });
    expect(await tableSnapshot(h.api.db)).toEqual(before);
  });

  it("names the field of a malformed sign-in", async () => {
    const response = await h.request.post("/api/v1/auth/session").set(CSRF).send({ email: member.email });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([expect.objectContaining({ path: "developer_key" })]);
  });
});

describe("a signed-in browser", () => {
  it("reads with the cookie alone, and restarts the idle clock by doing so", async () => {
    const { cookie } = await signIn(member);
    const hash = createHash("sha256").update(tokenOf(cookie)).digest("hex");
    await h.api.db.session.update({ where: { tokenHash: hash }, data: { lastSeenAt: new Date(Date.now() - IDLE_TIMEOUT_MS / 2) } });
    const response = await h.request.get("/api/v1/auth/session").set("cookie", cookie);
    expect({ status: response.status, email: response.body.user?.email }).toEqual({ status: 200, email: member.email });
    const row = await h.api.db.session.findUniqueOrThrow({ where: { tokenHash: hash } });
    expect(Date.now() - row.lastSeenAt.getTime()).toBeLessThan(60_000);
  });

  it("changes with the cookie only together with x-modelhooks-csrf: 1; without it nothing changes", async () => {
    const admin = await signIn(ADMIN);
    const body = { name: `csrf-${Date.now()}`, workspace_id: workspace.id, location: "https://example.com/hook", event_types: ["CREATE"] };
    const before = await tableSnapshot(h.api.db);
    const forged = await h.request.post(`${EVENTS}/createWebhook`).set("cookie", admin.cookie).send(body);
    expect({ status: forged.status, code: forged.body.error?.code }).toEqual({ status: 403, code: "csrf_required" });
    expect(await tableSnapshot(h.api.db)).toEqual(before);

    const own = await h.request.post(`${EVENTS}/createWebhook`).set("cookie", admin.cookie).set(CSRF).send(body);
    expect(own.status).toBe(200);
    expect(await h.api.db.webhook.count({ where: { name: body.name } })).toBe(1);
  });

  it("the cookie carries the user's own rights, not more", async () => {
    const { cookie } = await signIn(member);
    const response = await h.request
      .post("/api/v1/admin/workspaces")
      .set("cookie", cookie)
      .set(CSRF)
      .send({ name: `nope-${Date.now()}` });
    expect({ status: response.status, code: response.body.error?.code }).toEqual({ status: 403, code: "permission_denied" });
  });

  it("header credentials win over a cookie, and work without the CSRF header as before", async () => {
    const { cookie } = await signIn(member);
    const response = await h.request
      .get("/api/v1/auth/session")
      .set("cookie", cookie)
      .set("grpc-metadata-email", ADMIN.email)
      .set("grpc-metadata-developer_key", ADMIN.key);
    expect(response.body.user).toMatchObject({ email: ADMIN.email, system_admin: true });
    const notifications = await h.post("/api/v1/notifications/read-all", {}, member);
    expect(notifications.status).toBe(200);
  });
});

describe("a session ends", () => {
  it("at sign-out: the cookie is cleared and the old cookie no longer works", async () => {
    const { cookie } = await signIn(member);
    const out = await h.request.delete("/api/v1/auth/session").set("cookie", cookie).set(CSRF);
    expect(out.status).toBe(200);
    expect(([] as string[]).concat(out.headers["set-cookie"] ?? []).join()).toMatch(/modelhooks_session=;.*Expires=Thu, 01 Jan 1970/);
    const after = await h.request.get("/api/v1/auth/session").set("cookie", cookie);
    expect({ status: after.status, code: after.body.error?.code }).toEqual({ status: 401, code: "unauthenticated" });
  });

  it("after SESSION_IDLE_TIMEOUT_MS without use, and is swept at the next sign-in", async () => {
    const { cookie } = await signIn(member);
    const hash = createHash("sha256").update(tokenOf(cookie)).digest("hex");
    await h.api.db.session.update({ where: { tokenHash: hash }, data: { lastSeenAt: new Date(Date.now() - IDLE_TIMEOUT_MS - 1000) } });
    const expired = await h.request.get("/api/v1/auth/session").set("cookie", cookie);
    expect({ status: expired.status, message: expired.body.error?.message }).toEqual({
      status: 401,
      message: expect.stringMatching(/session has ended/),
    });
    await signIn(member);
    expect(await h.api.db.session.count({ where: { tokenHash: hash } })).toBe(0);
  });

  it("a forged cookie is a 401", async () => {
    const response = await h.request.get("/api/v1/auth/session").set("cookie", "modelhooks_session=made-up-token");
    expect(response.status).toBe(401);
  });

  it("with its user: removing the user removes their sessions", async () => {
    const leaver = await h.createUser([workspace.id]);
    const { cookie } = await signIn(leaver);
    await h.api.db.user.delete({ where: { id: leaver.id } });
    expect((await h.request.get("/api/v1/auth/session").set("cookie", cookie)).status).toBe(401);
  });
});

describe("in production", () => {
  it("the cookie is Secure", async () => {
    const production = await createHarness({
      env: {
        NODE_ENV: "production",
        SECRET_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
        ADMIN_DEVELOPER_KEY: ADMIN.key.padEnd(40, "x"),
      },
    });
    try {
      const response = await production.request
        .post("/api/v1/auth/session")
        .set(CSRF)
        .send({ email: ADMIN.email, developer_key: ADMIN.key });
      expect(response.status).toBe(200);
      expect(([] as string[]).concat(response.headers["set-cookie"] ?? [])[0]).toMatch(/; Secure/i);
    } finally {
      await production.close();
    }
  });
});

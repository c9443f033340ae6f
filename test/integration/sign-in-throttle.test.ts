import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { Agent, request } from "undici";
import { SignInThrottle, SignInThrottledError } from "@modelhooks/identity";
import { tableSnapshot } from "../support/db-snapshot.js";
import { ADMIN, createHarness, EVENTS, type Caller, type Harness } from "../support/harness.js";
import { waitFor } from "../../scripts/lib/wait-for.js";
import { testRedisUrl } from "../support/test-servers.js";

// Failed sign-ins are throttled per client address and per email (docs/security.md). The client
// address is the socket's peer, so each request here leaves from a chosen loopback address
// (127.0.0.0/8 is all local on Linux) to a real listening server.

type CredentialKind = "verta" | "bearer" | "basic";

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: any;
}

interface Served {
  h: Harness;
  /** Sign in from `localAddress` as `caller`, with its credentials in the given form. */
  signIn(localAddress: string, caller: Caller, kind?: CredentialKind, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

const WRONG_KEY = "mhk_not-the-right-key";

function credentialHeaders(caller: Caller, kind: CredentialKind): Record<string, string> {
  switch (kind) {
    case "verta":
      return { "grpc-metadata-email": caller.email, "grpc-metadata-developer_key": caller.key };
    case "bearer":
      return { "grpc-metadata-email": caller.email, authorization: `Bearer ${caller.key}` };
    case "basic":
      return { authorization: `Basic ${Buffer.from(`${caller.email}:${caller.key}`).toString("base64")}` };
  }
}

async function serve(env: Record<string, string>): Promise<Served> {
  const h = await createHarness({ env });
  const server = http.createServer(h.app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agents = new Map<string, Agent>();
  const agentFor = (localAddress: string) => {
    const agent = agents.get(localAddress) ?? new Agent({ localAddress });
    agents.set(localAddress, agent);
    return agent;
  };
  return {
    h,
    async signIn(localAddress, caller, kind = "verta", headers = {}) {
      const response = await request(`${base}${EVENTS}/findWebhook`, {
        method: "POST",
        headers: { "content-type": "application/json", ...credentialHeaders(caller, kind), ...headers },
        body: "{}",
        dispatcher: agentFor(localAddress),
      });
      const retryAfter = response.headers["retry-after"];
      return {
        status: response.statusCode,
        retryAfter: typeof retryAfter === "string" ? retryAfter : undefined,
        body: await response.body.json(),
      };
    },
    async close() {
      await Promise.all([...agents.values()].map((agent) => agent.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await h.close();
    },
  };
}

const wrong = (caller: Caller): Caller => ({ email: caller.email, key: WRONG_KEY });

function expectThrottled(answer: Answer, windowSeconds: number) {
  expect(answer).toMatchObject({
    status: 429,
    body: { error: { code: "resource_exhausted", message: expect.stringMatching(/too many failed sign-ins/), details: [] } },
  });
  const seconds = Number(answer.retryAfter);
  expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= windowSeconds).toBe(true);
}

describe("20 failures per address, 30 per email, in a minute", () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve({ SIGN_IN_MAX_FAILURES_PER_ADDRESS: "20", SIGN_IN_MAX_FAILURES_PER_EMAIL: "30", SIGN_IN_THROTTLE_WINDOW_MS: "60000" });
  });
  afterAll(async () => {
    await s.close();
  });

  it("answers 401 to 20 wrong keys from one address (any credential kind) and 429 with Retry-After to the 21st; the right key from another address works", async () => {
    const workspace = await s.h.createWorkspace();
    const member = await s.h.createUser([workspace.id]);
    const kinds: CredentialKind[] = ["verta", "bearer", "basic"];
    const statuses = [];
    for (let attempt = 0; attempt < 20; attempt++) statuses.push((await s.signIn("127.0.0.2", wrong(member), kinds[attempt % 3])).status);
    expect(statuses).toEqual(Array(20).fill(401));

    for (const kind of kinds) expectThrottled(await s.signIn("127.0.0.2", wrong(member), kind), 60);
    expect((await s.signIn("127.0.0.3", member)).status).toBe(200);
  });

  it("refuses a throttled address before the key is checked: even the right key, for any email, writes nothing and counts nothing", async () => {
    const workspace = await s.h.createWorkspace();
    const member = await s.h.createUser([workspace.id]);
    for (let attempt = 0; attempt < 20; attempt++) expect((await s.signIn("127.0.0.4", wrong(member))).status).toBe(401);
    const counter = `${s.h.config.QUEUE_PREFIX}:sign-in-failures:address:127.0.0.4`;
    expect(await s.h.api.redis.get(counter)).toBe("20");
    const before = await tableSnapshot(s.h.api.db);

    // A checked right key would be a 200: these never reach the check.
    expectThrottled(await s.signIn("127.0.0.4", member), 60);
    expectThrottled(await s.signIn("127.0.0.4", ADMIN), 60);
    expectThrottled(await s.signIn("127.0.0.4", wrong(member)), 60);

    expect(await tableSnapshot(s.h.api.db)).toEqual(before);
    expect(await s.h.api.redis.get(counter)).toBe("20");
    expect((await s.signIn("127.0.0.5", member)).status).toBe(200);
  });

  it("throttles an email after 30 failures from any addresses; other emails from the same address still sign in", async () => {
    const workspace = await s.h.createWorkspace();
    const target = await s.h.createUser([workspace.id]);
    const other = await s.h.createUser([workspace.id]);
    const statuses = [];
    for (let attempt = 0; attempt < 30; attempt++) statuses.push((await s.signIn(`127.0.1.${attempt % 3}`, wrong(target))).status);
    expect(statuses).toEqual(Array(30).fill(401));

    // From an address with no failure at all: the email's limit is what refuses, right key or not.
    expectThrottled(await s.signIn("127.0.2.1", target), 60);
    expectThrottled(await s.signIn("127.0.2.1", target, "basic"), 60);
    expect((await s.signIn("127.0.2.1", other)).status).toBe(200);
  });

  it("does not count requests without credentials (nothing was guessed)", async () => {
    const workspace = await s.h.createWorkspace();
    const member = await s.h.createUser([workspace.id]);
    for (let attempt = 0; attempt < 25; attempt++) {
      expect((await s.signIn("127.0.0.6", { email: member.email, key: "" })).status).toBe(401);
    }
    expect((await s.signIn("127.0.0.6", member)).status).toBe(200);
  });
});

describe("a short window (3 failures per address in 2 s)", () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve({ SIGN_IN_MAX_FAILURES_PER_ADDRESS: "3", SIGN_IN_THROTTLE_WINDOW_MS: "2000" });
  });
  afterAll(async () => {
    await s.close();
  });

  it("lets the address sign in again once its window has ended", async () => {
    const workspace = await s.h.createWorkspace();
    const member = await s.h.createUser([workspace.id]);
    for (let attempt = 0; attempt < 3; attempt++) expect((await s.signIn("127.0.0.7", wrong(member))).status).toBe(401);
    expectThrottled(await s.signIn("127.0.0.7", member), 2);
    await waitFor(async () => (await s.signIn("127.0.0.7", member)).status === 200, { timeoutMs: 10_000, what: "the window to end" });
  });

  it("ignores X-Forwarded-For without TRUST_PROXY: a client cannot pick the address it is counted under", async () => {
    const workspace = await s.h.createWorkspace();
    const member = await s.h.createUser([workspace.id]);
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await s.signIn("127.0.0.8", wrong(member), "verta", { "x-forwarded-for": `203.0.113.${attempt}` })).status).toBe(401);
    }
    expectThrottled(await s.signIn("127.0.0.8", wrong(member), "verta", { "x-forwarded-for": "203.0.113.99" }), 2);
  });
});

describe("behind a trusted proxy (TRUST_PROXY=loopback)", () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve({ SIGN_IN_MAX_FAILURES_PER_ADDRESS: "3", TRUST_PROXY: "loopback" });
  });
  afterAll(async () => {
    await s.close();
  });

  it("counts the client the proxy names, not the proxy", async () => {
    const workspace = await s.h.createWorkspace();
    const member = await s.h.createUser([workspace.id]);
    const viaProxy = (client: string) => ({ "x-forwarded-for": client });
    for (let attempt = 0; attempt < 3; attempt++)
      expect((await s.signIn("127.0.0.9", wrong(member), "verta", viaProxy("203.0.113.7"))).status).toBe(401);
    expectThrottled(await s.signIn("127.0.0.9", member, "verta", viaProxy("203.0.113.7")), 60);
    // Same proxy, another client: not throttled.
    expect((await s.signIn("127.0.0.9", member, "verta", viaProxy("203.0.113.8"))).status).toBe(200);
  });
});

describe("SignInThrottle while Redis is unreachable", () => {
  it("counts in this process's memory instead, so guessing is still stopped", async () => {
    // Nothing listens on port 1: every command fails at once, as the API's producer client does in an outage.
    const unreachable = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 1000 });
    unreachable.on("error", () => undefined);
    try {
      const throttle = new SignInThrottle(unreachable, {
        keyPrefix: "unused",
        windowMs: 60_000,
        maxFailuresPerAddress: 2,
        maxFailuresPerEmail: 100,
      });
      await throttle.assertAllowed("127.0.0.1", "someone@example.test");
      await throttle.recordFailure("127.0.0.1", "someone@example.test");
      await throttle.recordFailure("127.0.0.1", "someone@example.test");
      await expect(throttle.assertAllowed("127.0.0.1", "someone@example.test")).rejects.toBeInstanceOf(SignInThrottledError);
      await expect(throttle.assertAllowed("127.0.0.2", "other@example.test")).resolves.toBeUndefined();
    } finally {
      unreachable.disconnect();
    }
  });
});

describe("SignInThrottle on two replicas", () => {
  // A replica trusts an address and email it has just read under their limits for clearForMs
  // (SIGN_IN_THROTTLE_CACHE_MS) instead of reading Redis on every request.
  const redis = new Redis(testRedisUrl());
  afterAll(() => redis.disconnect());
  const replicas = (clearForMs: number) => {
    const settings = {
      keyPrefix: `throttle-replicas-${randomUUID()}`,
      windowMs: 60_000,
      maxFailuresPerAddress: 2,
      maxFailuresPerEmail: 100,
      clearForMs,
    };
    return [new SignInThrottle(redis, settings), new SignInThrottle(redis, settings)] as const;
  };

  it("ends what a replica trusted at once when it records a failure itself", async () => {
    const [a] = replicas(60_000);
    await a.assertAllowed("127.0.0.1", "guessed@example.test");
    await a.recordFailure("127.0.0.1", "guessed@example.test");
    await a.recordFailure("127.0.0.1", "guessed@example.test");
    await expect(a.assertAllowed("127.0.0.1", "guessed@example.test")).rejects.toBeInstanceOf(SignInThrottledError);
  });

  it("sees another replica's failures after at most clearForMs", async () => {
    const [a, b] = replicas(300);
    await a.assertAllowed("127.0.0.1", "guessed@example.test");
    await b.recordFailure("127.0.0.1", "guessed@example.test");
    await b.recordFailure("127.0.0.1", "guessed@example.test");
    await expect(b.assertAllowed("127.0.0.1", "guessed@example.test")).rejects.toBeInstanceOf(SignInThrottledError);
    await new Promise((resolve) => setTimeout(resolve, 350));
    await expect(a.assertAllowed("127.0.0.1", "guessed@example.test")).rejects.toBeInstanceOf(SignInThrottledError);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { announcePrincipalChange, PrincipalCache, principalChannel, type Principal } from "@modelhooks/identity";
import { privateRedis, type PrivateRedis } from "../../scripts/lib/local-services.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// Two API replicas' caches on a Redis of their own: a change announced by anyone reaches both at once,
// and a replica whose subscription is down keeps nothing.

let redis: PrivateRedis;
const connections: Redis[] = [];
const principal: Principal = { userId: 7, email: "user@example.com", systemAdmin: false, workspaceIds: [1] };

beforeAll(async () => {
  redis = await privateRedis();
});
afterAll(async () => {
  for (const connection of connections) connection.disconnect();
  await redis.stop();
});

function replica(ttlMs = 60_000) {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  connections.push(connection);
  return { connection, cache: PrincipalCache.start(connection, { ttlMs, channel: principalChannel("test") }) };
}

async function cached(cache: PrincipalCache, key = "key-1"): Promise<void> {
  await waitFor(
    () => {
      cache.set(principal.email, key, principal, cache.ticket());
      return cache.get(principal.email, key) !== undefined;
    },
    { what: "the cache subscribed" },
  );
}

describe("PrincipalCache", () => {
  it("keeps a sign-in for its key only, until its TTL", async () => {
    const { cache } = replica(50);
    await cached(cache);
    expect(cache.get("USER@example.com", "key-1")).toEqual(principal);
    expect(cache.get(principal.email, "another key")).toBeUndefined();
    expect(cache.get(principal.email, "key-1", Date.now() + 60)).toBeUndefined();
    cache.close();
  });

  it("drops an email on every replica when a change is announced, and keeps nothing read before the change", async () => {
    const [a, b] = [replica(), replica()];
    await cached(a.cache);
    await cached(b.cache);
    const ticketBefore = a.cache.ticket();
    await announcePrincipalChange(a.connection, principalChannel("test"), "User@Example.com");
    await waitFor(() => a.cache.get(principal.email, "key-1") === undefined && b.cache.get(principal.email, "key-1") === undefined, {
      what: "both replicas to forget the user",
    });
    a.cache.set(principal.email, "key-1", principal, ticketBefore);
    expect(a.cache.get(principal.email, "key-1")).toBeUndefined();
    a.cache.close();
    b.cache.close();
  });

  it("keeps nothing while its subscription is down, and starts empty when it is back", async () => {
    const { cache } = replica();
    await cached(cache);
    await redis.stop();
    await waitFor(() => cache.get(principal.email, "key-1") === undefined, { what: "the cache to notice Redis went away" });
    cache.set(principal.email, "key-1", principal, cache.ticket());
    expect(cache.get(principal.email, "key-1")).toBeUndefined();
    await redis.start();
    await cached(cache);
    cache.close();
  });
});

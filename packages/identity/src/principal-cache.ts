import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import type { Principal } from "./principal.js";

export interface PrincipalCacheSettings {
  /** How long a signed-in principal is reused without asking PostgreSQL; 0 turns the cache off. */
  ttlMs: number;
  /** The pub/sub channel every replica listens on (under the deployment's QUEUE_PREFIX). */
  channel: string;
  maxEntries?: number;
}

const EVERYONE = "*";

/** The channel of a deployment: replicas sharing a Redis but not a prefix never hear each other. */
export function principalChannel(keyPrefix: string): string {
  return `${keyPrefix}:principals-changed`;
}

/**
 * Tells every API replica that a user's key, admin flag or memberships changed, or that the user is
 * gone: each drops what it cached for that email at once (docs/security.md, "Revocation").
 * Without an email, everyone's entries go.
 */
export async function announcePrincipalChange(redis: Redis | Cluster, channel: string, email?: string): Promise<void> {
  await redis.publish(channel, email?.toLowerCase() ?? EVERYONE);
}

/**
 * (email, developer key hash) → principal, for a few seconds, so a signed-in caller's requests do
 * not each cost a PostgreSQL round trip. Only a successful sign-in is kept (a wrong key never is),
 * and only while this replica is subscribed to the change channel: while that connection is down
 * every request asks PostgreSQL, and the cache starts empty when it is back, so a change announced
 * meanwhile cannot be missed. The TTL bounds what the announcements do not cover (a change made
 * straight in the database).
 */
export class PrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();
  private subscribed = false;
  // Bumped by every change heard: a sign-in that read PostgreSQL before a change and finishes after it must not cache what it read.
  private generation = 0;

  private constructor(
    private readonly settings: PrincipalCacheSettings,
    private readonly subscriber: Redis | Cluster | undefined,
  ) {}

  /** Subscribes on a connection of its own (a subscribed connection can do nothing else). */
  static start(redis: Redis | Cluster, settings: PrincipalCacheSettings): PrincipalCache {
    if (settings.ttlMs <= 0) return new PrincipalCache(settings, undefined);
    const subscriber = redis.duplicate();
    const cache = new PrincipalCache(settings, subscriber);
    const down = () => {
      cache.subscribed = false;
      cache.generation += 1;
      cache.entries.clear();
    };
    subscriber.on("error", down);
    subscriber.on("close", down);
    subscriber.on("ready", () => {
      subscriber.subscribe(settings.channel).then(() => {
        cache.generation += 1;
        cache.entries.clear();
        cache.subscribed = true;
      }, down);
    });
    subscriber.on("message", (channel: string, email: string) => {
      if (channel === settings.channel) cache.forget(email);
    });
    return cache;
  }

  /** A cache that keeps nothing (tests, scripts). */
  static disabled(): PrincipalCache {
    return new PrincipalCache({ ttlMs: 0, channel: "" }, undefined);
  }

  get(email: string, developerKey: string, now = Date.now()): Principal | undefined {
    if (!this.subscribed) return undefined;
    const key = cacheKey(email, developerKey);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry.principal;
    this.entries.delete(key);
    return undefined;
  }

  /** Taken before reading PostgreSQL, handed to set(): what was read is kept only if nothing changed meanwhile. */
  ticket(): number {
    return this.generation;
  }

  set(email: string, developerKey: string, principal: Principal, ticket: number, now = Date.now()): void {
    if (!this.subscribed || ticket !== this.generation) return;
    if (this.entries.size >= (this.settings.maxEntries ?? 10_000)) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(cacheKey(email, developerKey), { principal, expiresAt: now + this.settings.ttlMs });
  }

  /** Drops one email's entries (every key it was used with), or all with "*". */
  forget(email: string): void {
    this.generation += 1;
    if (email === EVERYONE) {
      this.entries.clear();
      return;
    }
    const prefix = `${email.toLowerCase()}\u0000`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  close(): void {
    this.subscribed = false;
    this.generation += 1;
    this.entries.clear();
    this.subscriber?.disconnect();
  }
}

// The key's hash, never the key itself, is what stays in memory.
function cacheKey(email: string, developerKey: string): string {
  return `${email.toLowerCase()}\u0000${createHash("sha256").update(developerKey, "utf8").digest("base64url")}`;
}

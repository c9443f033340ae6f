import { createHash } from "node:crypto";
import { DomainError } from "@modelhooks/contracts";
import type { Cluster, Redis } from "ioredis";
import ipaddr from "ipaddr.js";
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RLWrapperTimeouts,
  type RateLimiterAbstract,
  type RateLimiterRes,
} from "rate-limiter-flexible";

export interface SignInThrottleSettings {
  /** Prefix of the counters' Redis keys (the deployment's QUEUE_PREFIX), so deployments sharing a Redis count apart. */
  keyPrefix: string;
  /** Whole seconds: the counters expire in seconds. */
  windowMs: number;
  maxFailuresPerAddress: number;
  maxFailuresPerEmail: number;
  /** A Redis that does not answer within this long is treated as down (the counting goes on in memory). */
  storeTimeoutMs?: number;
  /**
   * How long an address or email read under its limit is trusted without reading Redis again
   * (0: read on every request). This replica's own failures end it at once; another replica's are
   * seen after at most this long (docs/security.md, "Password guessing").
   */
  clearForMs?: number;
}

/** Too many failed sign-ins for this client address or this email in the current window (429, with Retry-After). */
export class SignInThrottledError extends DomainError {
  constructor(retryAfterMs: number) {
    super("resource_exhausted", `too many failed sign-ins; try again in ${Math.ceil(retryAfterMs / 1000)} s`, undefined, retryAfterMs);
  }
}

/**
 * Counts failed sign-ins per client address and per email in fixed windows shared by every API
 * replica (docs/security.md, "Password guessing"). Only failures count; once a counter reaches its
 * limit, requests from that address or for that email are refused until its window ends.
 */
export class SignInThrottle {
  private readonly byAddress: RateLimiterAbstract;
  private readonly byEmail: RateLimiterAbstract;
  private readonly recentlyClear: RecentlyClear;

  constructor(
    private readonly store: Redis | Cluster,
    private readonly settings: SignInThrottleSettings,
  ) {
    const limiter = (kind: string, points: number) => {
      const options = { keyPrefix: `${settings.keyPrefix}:sign-in-failures:${kind}`, points, duration: settings.windowMs / 1000 };
      // While Redis is down or stalled, each replica counts in its own memory: the limits then
      // hold per replica instead of not at all, and sign-in keeps working (as events do, via the outbox).
      return new RLWrapperTimeouts({
        limiter: new RateLimiterRedis({ ...options, storeClient: store, rejectIfRedisNotReady: true }),
        timeoutMs: settings.storeTimeoutMs ?? 500,
        insuranceLimiter: new RateLimiterMemory(options),
      });
    };
    this.byAddress = limiter("address", settings.maxFailuresPerAddress);
    this.byEmail = limiter("email", settings.maxFailuresPerEmail);
    this.recentlyClear = new RecentlyClear(settings.clearForMs ?? 1_000);
  }

  /** Throws SignInThrottledError when the address or the email has used up its failures; counts nothing. */
  async assertAllowed(clientAddress: string | undefined, email: string): Promise<void> {
    const addressKey = clientAddressKey(clientAddress);
    const clear = trustKeys(addressKey, email);
    if (this.recentlyClear.has(clear.address) && this.recentlyClear.has(clear.email)) return;
    const accountKey = emailKey(email);
    if (await this.clearlyUnder(addressKey, accountKey)) {
      this.recentlyClear.add(clear.address);
      this.recentlyClear.add(clear.email);
      return;
    }
    const [address, account] = await Promise.all([this.byAddress.get(addressKey), this.byEmail.get(accountKey)]);
    const waits = [overLimit(address, this.settings.maxFailuresPerAddress), overLimit(account, this.settings.maxFailuresPerEmail)].filter(
      (ms) => ms > 0,
    );
    if (waits.length > 0) throw new SignInThrottledError(Math.max(...waits));
  }

  /**
   * Every request passes here, so the common case — both counters under their limits — is read with
   * two plain GETs in one round trip, where the limiter's own read costs a MULTI of GET and PTTL per
   * counter (8 commands). Anything else (a counter at its limit, Redis slow or down) takes the
   * limiter's full read, with its Retry-After and its in-memory fallback.
   */
  private async clearlyUnder(addressKey: string, accountKey: string): Promise<boolean> {
    if (this.store.status !== "ready") return false;
    const prefix = `${this.settings.keyPrefix}:sign-in-failures`;
    let timer: NodeJS.Timeout | undefined;
    try {
      const read = Promise.all([this.store.get(`${prefix}:address:${addressKey}`), this.store.get(`${prefix}:email:${accountKey}`)]);
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), this.settings.storeTimeoutMs ?? 500);
      });
      // A read that loses the race must not reject unhandled later.
      read.catch(() => undefined);
      const counters = await Promise.race([read, timeout]);
      if (!counters) return false;
      return Number(counters[0] ?? 0) < this.settings.maxFailuresPerAddress && Number(counters[1] ?? 0) < this.settings.maxFailuresPerEmail;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async recordFailure(clientAddress: string | undefined, email: string): Promise<void> {
    const addressKey = clientAddressKey(clientAddress);
    const clear = trustKeys(addressKey, email);
    this.recentlyClear.delete(clear.address);
    this.recentlyClear.delete(clear.email);
    await Promise.all([this.byAddress.penalty(addressKey), this.byEmail.penalty(emailKey(email))]);
  }
}

/** The entries of RecentlyClear, per address and per email (lowercased, not hashed: only Redis must hold no address book). */
function trustKeys(addressKey: string, email: string): { address: string; email: string } {
  return { address: `address:${addressKey}`, email: `email:${email.toLowerCase()}` };
}

/**
 * Counters read under their limits lately, so that a signed-in client's every request does not
 * read Redis (one round trip per request was most of createEvent's Redis cost). Bounded: a flood
 * of fresh addresses or emails empties it rather than growing it.
 */
class RecentlyClear {
  private static readonly MAX_ENTRIES = 10_000;
  private readonly until = new Map<string, number>();

  constructor(private readonly forMs: number) {}

  has(key: string): boolean {
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > performance.now()) return true;
    this.until.delete(key);
    return false;
  }

  add(key: string): void {
    if (this.forMs <= 0) return;
    if (this.until.size >= RecentlyClear.MAX_ENTRIES) this.until.clear();
    this.until.set(key, performance.now() + this.forMs);
  }

  delete(key: string): void {
    this.until.delete(key);
  }
}

/** How long until a counter at or over its limit resets; 0 when it is under. */
function overLimit(counter: RateLimiterRes | null, limit: number): number {
  return counter && counter.consumedPoints >= limit ? Math.max(counter.msBeforeNext, 1) : 0;
}

/**
 * The key a client address is counted under: an IPv4 address (IPv4-mapped IPv6 included) as
 * itself, an IPv6 address by its /64, since one host commonly holds a whole /64 and could
 * otherwise take a fresh address for every 20 guesses.
 */
export function clientAddressKey(remoteAddress: string | undefined): string {
  if (!remoteAddress || !ipaddr.isValid(remoteAddress)) return "unknown";
  const address = ipaddr.process(remoteAddress);
  if (address.kind() === "ipv4") return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}

/** Emails are counted by hash: the counters hold no address book, and a huge header makes a short key. */
function emailKey(email: string): string {
  return createHash("sha256").update(email.toLowerCase(), "utf8").digest("base64url");
}

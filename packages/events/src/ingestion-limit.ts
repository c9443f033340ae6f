import { DomainError } from "@modelhooks/contracts";
import type { Cluster, Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts, type RateLimiterAbstract } from "rate-limiter-flexible";

export interface IngestionLimitSettings {
  /** Prefix of the counters' Redis keys (the deployment's QUEUE_PREFIX). */
  keyPrefix: string;
  /** Events a workspace may send through createEvent per second, over every API replica together. */
  eventsPerSecond: number;
  /** A Redis that does not answer within this long is treated as down (the counting goes on in memory). */
  storeTimeoutMs?: number;
}

/** The workspace sent more events this second than it may (429, with Retry-After). */
export class IngestionLimitedError extends DomainError {
  constructor(workspaceId: number, limit: number, retryAfterMs: number) {
    super(
      "resource_exhausted",
      `workspace ${workspaceId} sent more than ${limit} events in one second (EVENTS_PER_WORKSPACE_PER_SECOND); send again after Retry-After`,
      undefined,
      retryAfterMs,
    );
  }
}

/**
 * Requests held at once per replica (paced, or waiting for the next second); beyond it an event
 * is let through or refused at once. Each held request keeps its parsed body (up to BODY_LIMIT_BYTES).
 */
export const MAX_HELD_REQUESTS = 128;

/** What the counter said: counted (with its place in the second) or over the limit. */
type Count = { counted: boolean; res: RateLimiterRes };

/**
 * The per-workspace ingestion limit of createEvent (docs/security.md, "One workspace starved the
 * others"): one counter per workspace and second, shared by every API replica through Redis, so a
 * workspace flooding the intake is refused before anything is written, while the others go on.
 *
 * Within its second a workspace's events are paced: the n-th is held until n / limit of the second
 * has passed, so a burst enters the pipeline at the limit's pace instead of all at once at the
 * start of each second (a workspace below the pace is never held). An event over the limit waits
 * for the next second (at most a second) and is counted there when there is room; only when that
 * is spent too is it refused. A burst a little over the limit is smoothed instead of refused, and
 * a client that retries a 429 at once can neither spin nor make the API spend its cores refusing
 * it (docs/decisions.md, "The ingestion limit paces before it refuses").
 */
export class IngestionLimit {
  private readonly limiter: RateLimiterAbstract;
  private held = 0;

  constructor(
    store: Redis | Cluster,
    private readonly settings: IngestionLimitSettings,
  ) {
    const options = { keyPrefix: `${settings.keyPrefix}:ingest`, points: settings.eventsPerSecond, duration: 1 };
    // While Redis is down or stalled each replica counts in its own memory: createEvent goes on
    // (its events wait in the outbox) and the limit holds per replica instead of not at all.
    this.limiter = new RLWrapperTimeouts({
      limiter: new RateLimiterRedis({ ...options, storeClient: store, rejectIfRedisNotReady: true }),
      timeoutMs: settings.storeTimeoutMs ?? 500,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  }

  /** Counts one event of the workspace, held to its pace; throws IngestionLimitedError when it is over its limit. */
  async take(workspaceId: number): Promise<void> {
    const key = String(workspaceId);
    let count = await this.count(key);
    if (!count.counted) {
      if (this.held >= MAX_HELD_REQUESTS) throw this.refused(workspaceId, count.res);
      await this.hold(Math.min(Math.max(count.res.msBeforeNext, 1), 1_000));
      count = await this.count(key);
      if (!count.counted) throw this.refused(workspaceId, count.res);
    }
    const elapsedMs = 1_000 - count.res.msBeforeNext;
    const placeMs = ((count.res.consumedPoints - 1) * 1_000) / this.settings.eventsPerSecond;
    if (placeMs > elapsedMs && this.held < MAX_HELD_REQUESTS) await this.hold(placeMs - elapsedMs);
  }

  private async count(key: string): Promise<Count> {
    try {
      return { counted: true, res: await this.limiter.consume(key) };
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) return { counted: false, res: refusal };
      throw refusal;
    }
  }

  private async hold(ms: number): Promise<void> {
    this.held += 1;
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      this.held -= 1;
    }
  }

  private refused(workspaceId: number, refusal: RateLimiterRes): IngestionLimitedError {
    return new IngestionLimitedError(workspaceId, this.settings.eventsPerSecond, Math.max(refusal.msBeforeNext, 1));
  }
}

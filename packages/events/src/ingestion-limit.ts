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
 * The per-workspace ingestion limit of createEvent (docs/security.md, "One workspace starved the
 * others"): one counter per workspace and second, shared by every API replica through Redis, so a
 * workspace flooding the intake is refused before anything is written, while the others go on.
 */
export class IngestionLimit {
  private readonly limiter: RateLimiterAbstract;

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

  /** Counts one event of the workspace; throws IngestionLimitedError when it is over its limit this second. */
  async take(workspaceId: number): Promise<void> {
    try {
      await this.limiter.consume(String(workspaceId));
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes)
        throw new IngestionLimitedError(workspaceId, this.settings.eventsPerSecond, Math.max(refusal.msBeforeNext, 1));
      throw refusal;
    }
  }
}

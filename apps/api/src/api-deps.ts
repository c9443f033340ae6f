import type { Config } from "@modelhooks/config";
import { createDb, watchDatabase, type DatabaseWatch, type Db } from "@modelhooks/db";
import { createMetrics, OutageLog, type Logger, type Metrics } from "@modelhooks/observability";
import { EventIntake, IngestionLimit } from "@modelhooks/events";
import { PrincipalCache, principalChannel, SignInThrottle } from "@modelhooks/identity";
import { createRedis, JobQueues, watchRedis, type RedisConnection } from "@modelhooks/queues";
import { createTransport, SecretBox, type WebhookTransport } from "@modelhooks/webhooks";

export const REDIS_CHECK = "is Redis running and reachable from here, and is REDIS_URL right?";
export const POSTGRES_CHECK = "is PostgreSQL running and reachable from here, is DATABASE_URL right, and has `npm run migrate` run?";

export interface ApiDeps {
  config: Config;
  db: Db;
  redis: RedisConnection;
  /**
   * The counters every request reads (sign-in throttle, ingestion limit), on a connection of their
   * own that sends the commands of requests handled in the same turn of the event loop in one write
   * (ioredis's auto-pipelining): one socket write per request was the largest part of createEvent's
   * Redis cost (docs/performance.md). Not for bullmq, whose scripts keep their own connection.
   */
  counters: RedisConnection;
  /** PostgreSQL pinged in the background: outages are logged, `reachable` resolves once it answers. */
  database: DatabaseWatch;
  /** False while main.ts is still preparing (the first admin): /readyz says 503 until then. */
  startUp: { done: boolean };
  queues: JobQueues;
  /** createEvent's outbox writes, batched across concurrent requests. */
  eventIntake: EventIntake;
  transport: WebhookTransport;
  secretBox: SecretBox;
  signInThrottle: SignInThrottle;
  /** Absent when EVENTS_PER_WORKSPACE_PER_SECOND is 0. */
  ingestionLimit?: IngestionLimit;
  /** Recent sign-ins, dropped on every replica when a user changes (docs/security.md, "Revocation"). */
  principalCache: PrincipalCache;
  logger: Logger;
  metrics: Metrics;
}

export function createApiDeps(config: Config, logger: Logger): ApiDeps {
  const redis = createRedis(config.REDIS_URL, "producer");
  // ioredis reports every failed reconnect: one line per interval of an outage is enough (and
  // while Redis is down, events wait in the outbox). The counters' connection fails with it;
  // its errors are the same outage.
  watchRedis(redis, new OutageLog(logger, { name: "Redis", url: config.REDIS_URL, check: REDIS_CHECK }));
  const counters = createRedis(config.REDIS_URL, "producer", { enableAutoPipelining: true });
  counters.on("error", () => undefined);
  const db = createDb(config.DATABASE_URL, { poolSize: config.DATABASE_POOL_SIZE ?? 10 });
  // Redis errors are reported by the outage log above.
  const queues = new JobQueues(redis, {
    prefix: config.QUEUE_PREFIX,
    deliveryMaxAttempts: config.DELIVERY_MAX_ATTEMPTS,
    onError: () => undefined,
  });
  const metrics = createMetrics("api");
  return {
    config,
    db,
    redis,
    counters,
    database: watchDatabase(db, new OutageLog(logger, { name: "PostgreSQL", url: config.DATABASE_URL, check: POSTGRES_CHECK })),
    startUp: { done: true },
    queues,
    eventIntake: new EventIntake({ db, queues, logger, metrics }),
    transport: createTransport(config),
    secretBox: new SecretBox(config.SECRET_ENCRYPTION_KEY_BYTES),
    // Counters in the same Redis as the queues, under the same prefix (docs/security.md).
    signInThrottle: new SignInThrottle(counters, {
      keyPrefix: config.QUEUE_PREFIX,
      windowMs: config.SIGN_IN_THROTTLE_WINDOW_MS,
      maxFailuresPerAddress: config.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
      maxFailuresPerEmail: config.SIGN_IN_MAX_FAILURES_PER_EMAIL,
      clearForMs: config.SIGN_IN_THROTTLE_CACHE_MS,
    }),
    ...(config.EVENTS_PER_WORKSPACE_PER_SECOND > 0
      ? {
          ingestionLimit: new IngestionLimit(counters, {
            keyPrefix: config.QUEUE_PREFIX,
            eventsPerSecond: config.EVENTS_PER_WORKSPACE_PER_SECOND,
          }),
        }
      : {}),
    principalCache: PrincipalCache.start(redis, { ttlMs: config.AUTH_CACHE_TTL_MS, channel: principalChannel(config.QUEUE_PREFIX) }),
    logger,
    metrics,
  };
}

export async function closeApiDeps(deps: ApiDeps): Promise<void> {
  deps.database.stop();
  deps.principalCache.close();
  await deps.eventIntake.drain();
  await deps.queues.close().catch(() => undefined);
  deps.transport.close();
  await deps.db.$disconnect();
  deps.redis.disconnect();
  deps.counters.disconnect();
}

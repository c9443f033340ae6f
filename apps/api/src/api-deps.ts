import type { Config } from "@modelhooks/config";
import { createDb, watchDatabase, type DatabaseWatch, type Db } from "@modelhooks/db";
import { createMetrics, OutageLog, type Logger, type Metrics } from "@modelhooks/observability";
import { SignInThrottle } from "@modelhooks/identity";
import { createRedis, JobQueues, watchRedis, type RedisConnection } from "@modelhooks/queues";
import { createTransport, SecretBox, type WebhookTransport } from "@modelhooks/webhooks";

export const REDIS_CHECK = "is Redis running and reachable from here, and is REDIS_URL right?";
export const POSTGRES_CHECK = "is PostgreSQL running and reachable from here, is DATABASE_URL right, and has `npm run migrate` run?";

export interface ApiDeps {
  config: Config;
  db: Db;
  redis: RedisConnection;
  /** PostgreSQL pinged in the background: outages are logged, `reachable` resolves once it answers. */
  database: DatabaseWatch;
  /** False while main.ts is still preparing (the first admin): /readyz says 503 until then. */
  startUp: { done: boolean };
  queues: JobQueues;
  transport: WebhookTransport;
  secretBox: SecretBox;
  signInThrottle: SignInThrottle;
  logger: Logger;
  metrics: Metrics;
}

export function createApiDeps(config: Config, logger: Logger): ApiDeps {
  const redis = createRedis(config.REDIS_URL, "producer");
  // ioredis reports every failed reconnect: one line per interval of an outage is enough (and
  // while Redis is down, events wait in the outbox).
  watchRedis(redis, new OutageLog(logger, { name: "Redis", url: config.REDIS_URL, check: REDIS_CHECK }));
  const db = createDb(config.DATABASE_URL, { poolSize: config.DATABASE_POOL_SIZE ?? 10 });
  return {
    config,
    db,
    redis,
    database: watchDatabase(db, new OutageLog(logger, { name: "PostgreSQL", url: config.DATABASE_URL, check: POSTGRES_CHECK })),
    startUp: { done: true },
    // Redis errors are reported by the outage log above.
    queues: new JobQueues(redis, {
      prefix: config.QUEUE_PREFIX,
      deliveryMaxAttempts: config.DELIVERY_MAX_ATTEMPTS,
      onError: () => undefined,
    }),
    transport: createTransport(config),
    secretBox: new SecretBox(config.SECRET_ENCRYPTION_KEY_BYTES),
    // Counters in the same Redis as the queues, under the same prefix (docs/security.md).
    signInThrottle: new SignInThrottle(redis, {
      keyPrefix: config.QUEUE_PREFIX,
      windowMs: config.SIGN_IN_THROTTLE_WINDOW_MS,
      maxFailuresPerAddress: config.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
      maxFailuresPerEmail: config.SIGN_IN_MAX_FAILURES_PER_EMAIL,
    }),
    logger,
    metrics: createMetrics("api"),
  };
}

export async function closeApiDeps(deps: ApiDeps): Promise<void> {
  deps.database.stop();
  await deps.queues.close().catch(() => undefined);
  deps.transport.close();
  await deps.db.$disconnect();
  deps.redis.disconnect();
}

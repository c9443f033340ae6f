import type { Config } from "@modelhooks/config";
import { createDb, type Db } from "@modelhooks/db";
import { createMetrics, type Logger, type Metrics } from "@modelhooks/observability";
import { EventIntake } from "@modelhooks/events";
import { PrincipalCache, principalChannel, SignInThrottle } from "@modelhooks/identity";
import { createRedis, JobQueues } from "@modelhooks/queues";
import { createTransport, SecretBox, type WebhookTransport } from "@modelhooks/webhooks";
import type { Redis } from "ioredis";

export interface ApiDeps {
  config: Config;
  db: Db;
  redis: Redis;
  queues: JobQueues;
  /** createEvent's outbox writes, batched across concurrent requests. */
  eventIntake: EventIntake;
  transport: WebhookTransport;
  secretBox: SecretBox;
  signInThrottle: SignInThrottle;
  /** Recent sign-ins, dropped on every replica when a user changes (docs/security.md, "Revocation"). */
  principalCache: PrincipalCache;
  logger: Logger;
  metrics: Metrics;
}

export function createApiDeps(config: Config, logger: Logger): ApiDeps {
  const redis = createRedis(config.REDIS_URL, "producer");
  // ioredis reports every failed reconnect; one line per outage is enough (the outbox covers it).
  let redisDown = false;
  redis.on("error", (error: Error) => {
    if (!redisDown) logger.warn("Redis unreachable; events stay in the outbox until it is back", { error: error.message });
    redisDown = true;
  });
  redis.on("ready", () => {
    if (redisDown) logger.info("Redis reachable again");
    redisDown = false;
  });
  const db = createDb(config.DATABASE_URL);
  // Redis errors are logged once per outage by the listener above.
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
    queues,
    eventIntake: new EventIntake({ db, queues, logger, metrics }),
    transport: createTransport(config),
    secretBox: new SecretBox(config.SECRET_ENCRYPTION_KEY_BYTES),
    // Counters in the same Redis as the queues, under the same prefix (docs/security.md).
    signInThrottle: new SignInThrottle(redis, {
      keyPrefix: config.QUEUE_PREFIX,
      windowMs: config.SIGN_IN_THROTTLE_WINDOW_MS,
      maxFailuresPerAddress: config.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
      maxFailuresPerEmail: config.SIGN_IN_MAX_FAILURES_PER_EMAIL,
    }),
    principalCache: PrincipalCache.start(redis, { ttlMs: config.AUTH_CACHE_TTL_MS, channel: principalChannel(config.QUEUE_PREFIX) }),
    logger,
    metrics,
  };
}

export async function closeApiDeps(deps: ApiDeps): Promise<void> {
  deps.principalCache.close();
  await deps.queues.close().catch(() => undefined);
  deps.transport.close();
  await deps.db.$disconnect();
  deps.redis.disconnect();
}

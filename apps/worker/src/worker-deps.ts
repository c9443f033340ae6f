import type { Config } from "@modelhooks/config";
import { createDb, watchDatabase, type DatabaseWatch, type Db } from "@modelhooks/db";
import { createMetrics, OutageLog, type Logger, type Metrics } from "@modelhooks/observability";
import { createRedis, FairShare, JobQueues, watchRedis, type RedisConnection } from "@modelhooks/queues";
import { createBuilder, type Builder } from "@modelhooks/registry";
import { createTransport, DeliverySlots, SecretBox, type WebhookTransport } from "@modelhooks/webhooks";

const REDIS_CHECK = "is Redis running and reachable from here, and is REDIS_URL right?";
const POSTGRES_CHECK = "is PostgreSQL running and reachable from here, is DATABASE_URL right, and has `npm run migrate` run?";

export interface WorkerDeps {
  config: Config;
  db: Db;
  redis: RedisConnection;
  /**
   * Every Redis connection's errors go here (the shared one's, and those bullmq's workers and
   * queues report for their own): one line per interval of an outage, not one per reconnect.
   */
  redisOutage: OutageLog;
  /** PostgreSQL pinged in the background: outages are logged, `reachable` resolves once it answers. */
  database: DatabaseWatch;
  queues: JobQueues;
  transport: WebhookTransport;
  secretBox: SecretBox;
  logger: Logger;
  metrics: Metrics;
  /** Chosen by BUILDER: a real container build plugs in there. */
  builder: Builder;
  /** What this worker queued lately per workspace (fan-out, recoveries): the deliveries' fair order. */
  fairShare: FairShare;
  /** This worker's delivery slots, capped per webhook and per workspace; its fan-out asks them too. */
  deliverySlots: DeliverySlots;
}

export function createWorkerDeps(config: Config, logger: Logger): WorkerDeps {
  const redis = createRedis(config.REDIS_URL, "worker");
  const redisOutage = new OutageLog(logger, { name: "Redis", url: config.REDIS_URL, check: REDIS_CHECK });
  watchRedis(redis, redisOutage);
  const db = createDb(config.DATABASE_URL, {
    poolSize: config.DATABASE_POOL_SIZE ?? Math.max(10, Math.ceil(config.DELIVERY_CONCURRENCY / 2)),
  });
  return {
    config,
    db,
    redis,
    redisOutage,
    database: watchDatabase(db, new OutageLog(logger, { name: "PostgreSQL", url: config.DATABASE_URL, check: POSTGRES_CHECK })),
    queues: new JobQueues(redis, {
      prefix: config.QUEUE_PREFIX,
      deliveryMaxAttempts: config.DELIVERY_MAX_ATTEMPTS,
      onError: (error) => redisOutage.failed(error),
    }),
    transport: createTransport(config),
    secretBox: new SecretBox(config.SECRET_ENCRYPTION_KEY_BYTES),
    logger,
    metrics: createMetrics("worker"),
    builder: createBuilder(config),
    fairShare: new FairShare(),
    deliverySlots: new DeliverySlots({
      perWebhook: config.DELIVERY_MAX_IN_FLIGHT_PER_WEBHOOK,
      perWorkspace: config.DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE,
      timeoutMs: config.DELIVERY_TIMEOUT_MS,
    }),
  };
}

export async function closeWorkerDeps(deps: WorkerDeps): Promise<void> {
  deps.database.stop();
  await deps.queues.close();
  deps.transport.close();
  await deps.db.$disconnect();
  deps.redis.disconnect();
}

import type { Config } from "@modelhooks/config";
import { createDb, type Db } from "@modelhooks/db";
import { createMetrics, type Logger, type Metrics } from "@modelhooks/observability";
import { createRedis, JobQueues } from "@modelhooks/queues";
import { createBuilder, type Builder } from "@modelhooks/registry";
import { createTransport, SecretBox, type WebhookTransport } from "@modelhooks/webhooks";
import type { Redis } from "ioredis";

export interface WorkerDeps {
  config: Config;
  db: Db;
  redis: Redis;
  queues: JobQueues;
  transport: WebhookTransport;
  secretBox: SecretBox;
  logger: Logger;
  metrics: Metrics;
  /** Chosen by BUILDER: a real container build plugs in there. */
  builder: Builder;
}

export function createWorkerDeps(config: Config, logger: Logger): WorkerDeps {
  const redis = createRedis(config.REDIS_URL, "worker");
  return {
    config,
    db: createDb(config.DATABASE_URL, { poolSize: Math.max(10, Math.ceil(config.DELIVERY_CONCURRENCY / 2)) }),
    redis,
    queues: new JobQueues(redis, {
      prefix: config.QUEUE_PREFIX,
      deliveryMaxAttempts: config.DELIVERY_MAX_ATTEMPTS,
      onError: (error) => logger.warn("queue connection error", { error: error.message }),
    }),
    transport: createTransport(config),
    secretBox: new SecretBox(config.SECRET_ENCRYPTION_KEY_BYTES),
    logger,
    metrics: createMetrics("worker"),
    builder: createBuilder(config),
  };
}

export async function closeWorkerDeps(deps: WorkerDeps): Promise<void> {
  await deps.queues.close();
  deps.transport.close();
  await deps.db.$disconnect();
  deps.redis.disconnect();
}

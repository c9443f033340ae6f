import { Redis, type RedisOptions } from "ioredis";

/**
 * Producers (the API) fail fast while Redis is down, so a request never hangs on it and the
 * outbox relay delivers later; workers wait for Redis as long as it takes (bullmq's advice).
 */
export function createRedis(url: string, role: "producer" | "worker", extra: RedisOptions = {}): Redis {
  const roleOptions: RedisOptions =
    role === "producer"
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true };
  return new Redis(url, {
    ...roleOptions,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
    ...extra,
  });
}

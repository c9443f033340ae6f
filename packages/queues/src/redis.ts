import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";

/** One Redis server or a Redis Cluster (REDIS_URL redis-cluster://…): every user takes either. */
export type RedisConnection = Redis | Cluster;

export interface ClusterAddress {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

/** `redis-cluster://[user:password@]host:port,host:port,…` (rediss-cluster:// for TLS); undefined for a plain redis:// URL. */
export function parseClusterUrl(url: string): ClusterAddress | undefined {
  const match = /^(rediss?)-cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)/.exec(url);
  if (!match) return undefined;
  const [, scheme, username, password, hosts = ""] = match;
  const nodes = hosts.split(",").map((node) => {
    const at = node.trim().lastIndexOf(":");
    return {
      host: node
        .trim()
        .slice(0, at)
        .replace(/^\[|\]$/g, ""),
      port: Number(node.trim().slice(at + 1)),
    };
  });
  return {
    nodes,
    username: username ? decodeURIComponent(username) : undefined,
    password: password ? decodeURIComponent(password) : undefined,
    tls: scheme === "rediss",
  };
}

/**
 * Producers (the API) fail fast while Redis is down, so a request never hangs on it and the
 * outbox relay delivers later; workers wait for Redis as long as it takes (bullmq's advice).
 */
export function createRedis(url: string, role: "producer" | "worker", extra: RedisOptions = {}): RedisConnection {
  const roleOptions: RedisOptions =
    role === "producer"
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true };
  const retryStrategy = (times: number) => Math.min(times * 200, 2_000);
  const cluster = parseClusterUrl(url);
  if (!cluster) return new Redis(url, { ...roleOptions, retryStrategy, lazyConnect: false, ...extra });
  const options: ClusterOptions = {
    redisOptions: {
      ...roleOptions,
      username: cluster.username,
      password: cluster.password,
      ...(cluster.tls ? { tls: {} } : {}),
      ...extra,
    },
    enableOfflineQueue: roleOptions.enableOfflineQueue,
    ...(extra.enableAutoPipelining ? { enableAutoPipelining: true } : {}),
    clusterRetryStrategy: retryStrategy,
    // A master that fails over answers MOVED/TRYAGAIN for a moment: wait rather than fail the command.
    retryDelayOnFailover: 200,
    retryDelayOnTryAgain: 200,
    retryDelayOnClusterDown: 500,
    slotsRefreshTimeout: 2_000,
  };
  return new Cluster(cluster.nodes, options);
}

/** Reports a connection's outages (ioredis says "error" on every failed reconnect, "ready" when back). */
export function watchRedis(connection: RedisConnection, outage: { failed(error: Error): void; recovered(): void }): void {
  connection.on("error", (error: Error) => outage.failed(error));
  connection.on("ready", () => outage.recovered());
}

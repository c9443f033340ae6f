import { isIP } from "node:net";
import { z } from "zod";

const DEV_SECRET_ENCRYPTION_KEY = "bW9kZWxob29rcy1kZXZlbG9wbWVudC1vbmx5LWtleSE="; // 32 bytes, public: dev only
const DEV_ADMIN_DEVELOPER_KEY = "dev-admin-key";
const MIN_PRODUCTION_ADMIN_KEY_LENGTH = 32;

const integer = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const boolean = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");

const wholeSeconds = (fallback: number) =>
  integer(fallback, 1000).refine(
    (value) => value % 1000 === 0,
    "must be whole seconds (a multiple of 1000): the counters expire in seconds",
  );

/**
 * Express's "trust proxy": unset or "false" trusts no proxy (the client is the socket's peer);
 * a number trusts that many hops; otherwise a comma-separated list of proxy addresses, CIDR
 * ranges, or loopback / linklocal / uniquelocal. "true" (trust everyone) is not offered: any
 * client could then name its own address in X-Forwarded-For and escape the sign-in throttle.
 */
const trustProxy = z
  .string()
  .trim()
  .refine(
    (value) => value === "false" || /^\d+$/.test(value) || value.split(",").every((entry) => isProxyEntry(entry.trim())),
    "must be false, a number of hops, or a comma-separated list of addresses, CIDR ranges, loopback, linklocal or uniquelocal",
  )
  .transform((value): false | number | string => (value === "false" ? false : /^\d+$/.test(value) ? Number(value) : value));

function isProxyEntry(entry: string): boolean {
  if (["loopback", "linklocal", "uniquelocal"].includes(entry)) return true;
  const [address = "", bits, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** An address to bind: an IP literal or a host name (localhost). */
const host = z
  .string()
  .trim()
  .refine((value) => isIP(value) !== 0 || /^[a-zA-Z0-9.-]+$/.test(value), "must be an IP address or a host name");

/** Development listens on loopback only; a container must listen on every interface to be reached. */
function defaultHost(nodeEnv: string): string {
  return nodeEnv === "production" ? "0.0.0.0" : "127.0.0.1";
}

const redisUrl = z.string().refine(isRedisUrl, "must be redis://host:port, rediss://host:port, or redis-cluster://host:port,host:port,…");

function isRedisUrl(value: string): boolean {
  const cluster = /^rediss?-cluster:\/\/(?:[^@/]*@)?([^/?#]+)(?:[/?#].*)?$/.exec(value);
  if (cluster) return (cluster[1] as string).split(",").every((node) => /^[\w.-]+:\d{1,5}$|^\[[\da-fA-F:]+\]:\d{1,5}$/.test(node.trim()));
  if (!/^rediss?:\/\//.test(value)) return false;
  try {
    return new URL(value).hostname !== "";
  } catch {
    return false;
  }
}

const encryptionKey = z.string().refine((value) => decodeKey(value)?.length === 32, "must be 32 bytes, as 64 hex characters or base64");

export function decodeKey(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, "hex");
  const decoded = Buffer.from(value, "base64");
  return decoded.length === 32 ? decoded : undefined;
}

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: integer(3000).pipe(z.number().max(65535)),
    // Where the API listens; unset: loopback in development, every interface in production.
    HOST: host.optional(),
    DATABASE_URL: z.url().default("postgresql://postgres@127.0.0.1:5432/modelhooks"),
    // PostgreSQL connections per process (docs/deploy.md: replicas × pool ≤ max_connections);
    // unset: 10 for the API, max(10, DELIVERY_CONCURRENCY / 2) for a worker.
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).optional(),
    // redis://, rediss://, or a cluster: redis-cluster://host:port,host:port,… (docs/deploy.md).
    REDIS_URL: redisUrl.default("redis://127.0.0.1:6379"),
    // Every BullMQ key lives under this prefix, so several deployments (or test runs) share a Redis.
    QUEUE_PREFIX: z
      .string()
      .regex(/^[\w:.{}-]+$/)
      .default("modelhooks"),
    ADMIN_EMAIL: z.email().default("admin@modelhooks.local"),
    ADMIN_DEVELOPER_KEY: z.string().min(8).default(DEV_ADMIN_DEVELOPER_KEY),
    SECRET_ENCRYPTION_KEY: encryptionKey.default(DEV_SECRET_ENCRYPTION_KEY),
    ALLOW_PRIVATE_TARGETS: boolean.optional(),
    // Failed sign-ins (docs/security.md): counted per client address and per email, in Redis.
    SIGN_IN_MAX_FAILURES_PER_ADDRESS: integer(20, 1),
    SIGN_IN_MAX_FAILURES_PER_EMAIL: integer(100, 1),
    SIGN_IN_THROTTLE_WINDOW_MS: wholeSeconds(60_000),
    // An address and email just read under their limits are not read again for this long (another replica's failures count after at most this; 0: every request reads Redis).
    SIGN_IN_THROTTLE_CACHE_MS: integer(1_000),
    // createEvent per workspace and second, over every API replica together; 0: no limit (docs/security.md).
    EVENTS_PER_WORKSPACE_PER_SECOND: integer(100),
    // A successful sign-in is reused for this long without PostgreSQL; key changes and removals are announced to every replica at once (docs/security.md).
    AUTH_CACHE_TTL_MS: integer(5_000),
    // A console session unused for this long ends; using it restarts the clock.
    SESSION_IDLE_TIMEOUT_MS: integer(12 * 60 * 60 * 1000, 1000),
    TRUST_PROXY: trustProxy.default(false),
    BODY_LIMIT_BYTES: integer(1024 * 1024, 1024),
    DELIVERY_TIMEOUT_MS: integer(10_000, 1),
    DELIVERY_MAX_ATTEMPTS: integer(8, 1),
    DELIVERY_BACKOFF_BASE_MS: integer(5_000),
    DELIVERY_BACKOFF_MAX_MS: integer(10 * 60 * 60 * 1000),
    DELIVERY_CONCURRENCY: integer(50, 1),
    DELIVERY_RESPONSE_BODY_LIMIT_BYTES: integer(4096, 0),
    // Per worker process: a hanging receiver holds at most this many of DELIVERY_CONCURRENCY slots.
    DELIVERY_MAX_IN_FLIGHT_PER_WEBHOOK: integer(20, 1),
    // Per worker process: one workspace's deliveries hold at most this many slots, so its hanging
    // receivers leave the rest to other workspaces (docs/reliability.md); unset: half of DELIVERY_CONCURRENCY.
    DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE: z.coerce.number().int().min(1).optional(),
    FANOUT_CONCURRENCY: integer(8, 1),
    // Webhooks per statement and per addBulk when one event fans out: bounds a big fan-out's memory.
    FANOUT_PAGE_SIZE: integer(1000, 1),
    BUILD_CONCURRENCY: integer(4, 1),
    BUILD_DURATION_MS: integer(5_000),
    // Which builder turns a model version into an image; "simulated" stands in for a container build.
    BUILDER: z.enum(["simulated"]).default("simulated"),
    // How long a promotion waits for the pipeline's call-back after PROMOTE was delivered, and a
    // scan for the scanner's result, before it ends FAILED / error (docs/lifecycles.md).
    PROMOTION_CALLBACK_TIMEOUT_MS: integer(24 * 60 * 60 * 1000, 1),
    SCAN_RESULT_TIMEOUT_MS: integer(24 * 60 * 60 * 1000, 1),
    OUTBOX_RELAY_INTERVAL_MS: integer(5_000, 100),
    // How long a recorded event or a due call may wait before the relay assumes its job was lost.
    OUTBOX_RELAY_GRACE_MS: integer(30_000, 0),
    // Retention (docs/reliability.md): events with their calls and attempts, finished recovery
    // requests and notifications older than this many days are deleted by a scheduled job, in
    // batches of RETENTION_BATCH_SIZE events, each its own short transaction. Fractions are allowed;
    // 0 keeps everything.
    RETENTION_DAYS: z.coerce.number().min(0).default(30),
    RETENTION_INTERVAL_MS: integer(10 * 60 * 1000, 1000),
    RETENTION_BATCH_SIZE: integer(500, 1).pipe(z.number().max(10_000)),
    // A killed worker's jobs run again within about lock + stalled interval (docs/reliability.md,
    // "Crash recovery"): 10 s + 5 s, for a few Redis commands per second per worker.
    WORKER_LOCK_DURATION_MS: integer(10_000, 1000),
    WORKER_STALLED_INTERVAL_MS: integer(5_000, 1000),
    SHUTDOWN_TIMEOUT_MS: integer(15_000, 0),
    WEBHOOK_DISABLE_AFTER_MS: integer(5 * 24 * 60 * 60 * 1000, 0),
    WEBHOOK_DISABLE_MIN_FAILURES: integer(20, 1),
    // A worker's /healthz, /readyz and /metrics (0: off); unset host as for HOST.
    METRICS_PORT: integer(9464).pipe(z.number().max(65535)),
    METRICS_HOST: host.optional(),
    LOG_LEVEL: z.enum(["error", "warn", "info", "http", "verbose", "debug", "silly"]).default("info"),
    LOG_FORMAT: z.enum(["json", "pretty"]).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE !== undefined && env.DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE > env.DELIVERY_CONCURRENCY) {
      ctx.addIssue({
        code: "custom",
        path: ["DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE"],
        message: `must be at most DELIVERY_CONCURRENCY (${env.DELIVERY_CONCURRENCY})`,
      });
    }
    if (env.NODE_ENV !== "production") return;
    if (env.SECRET_ENCRYPTION_KEY === DEV_SECRET_ENCRYPTION_KEY) {
      ctx.addIssue({ code: "custom", path: ["SECRET_ENCRYPTION_KEY"], message: "must be set in production (the default is public)" });
    }
    if (env.ADMIN_DEVELOPER_KEY === DEV_ADMIN_DEVELOPER_KEY) {
      ctx.addIssue({ code: "custom", path: ["ADMIN_DEVELOPER_KEY"], message: "must be set in production (the default is public)" });
    } else if (env.ADMIN_DEVELOPER_KEY.length < MIN_PRODUCTION_ADMIN_KEY_LENGTH) {
      // Stored as an unsalted SHA-256: fine for a generated 256-bit key, not for a chosen word.
      ctx.addIssue({
        code: "custom",
        path: ["ADMIN_DEVELOPER_KEY"],
        message: `must be at least ${MIN_PRODUCTION_ADMIN_KEY_LENGTH} characters in production (generate one: openssl rand -base64 32)`,
      });
    }
  })
  .transform((env) => ({
    ...env,
    ALLOW_PRIVATE_TARGETS: env.ALLOW_PRIVATE_TARGETS ?? env.NODE_ENV !== "production",
    HOST: env.HOST ?? defaultHost(env.NODE_ENV),
    DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE: env.DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE ?? Math.max(1, Math.ceil(env.DELIVERY_CONCURRENCY / 2)),
    // BullMQ on a cluster needs each queue's keys in one slot: a hash tag around the prefix does it.
    QUEUE_PREFIX: /^rediss?-cluster:/.test(env.REDIS_URL) && !env.QUEUE_PREFIX.includes("{") ? `{${env.QUEUE_PREFIX}}` : env.QUEUE_PREFIX,
    METRICS_HOST: env.METRICS_HOST ?? defaultHost(env.NODE_ENV),
    LOG_FORMAT: env.LOG_FORMAT ?? (env.NODE_ENV === "production" ? "json" : "pretty"),
    SECRET_ENCRYPTION_KEY_BYTES: decodeKey(env.SECRET_ENCRYPTION_KEY) as Buffer,
  }));

export type Config = z.output<typeof envSchema>;
export type EnvInput = Record<string, string | undefined>;

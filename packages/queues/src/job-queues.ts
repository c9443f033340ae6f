import { Queue, type JobsOptions } from "bullmq";
import type { RedisConnection } from "./redis.js";
import { queueCatalog, QUEUE_KEYS, type JobInput, type QueueKey } from "./catalog.js";

export interface QueueSettings {
  prefix: string;
  deliveryMaxAttempts: number;
  /** Connection errors of the queues; without a listener bullmq prints them to the console. */
  onError?: (error: Error) => void;
}

/** The producers' side of the catalog: typed, validated adds. Only this file constructs Queues. */
export class JobQueues {
  readonly queues: { [K in QueueKey]: Queue };

  constructor(
    readonly connection: RedisConnection,
    readonly settings: QueueSettings,
  ) {
    const make = (key: QueueKey) =>
      new Queue(queueCatalog[key].name, {
        connection,
        prefix: settings.prefix,
        // Nobody reads the queues' event streams (no QueueEvents): keep them short, so trimming them stays cheap.
        streams: { events: { maxLen: 100 } },
        defaultJobOptions: {
          ...queueCatalog[key].jobOptions,
          ...(key === "deliveries" ? { attempts: settings.deliveryMaxAttempts } : {}),
        },
      }).on("error", (error) => settings.onError?.(error));
    this.queues = Object.fromEntries(QUEUE_KEYS.map((key) => [key, make(key)])) as { [K in QueueKey]: Queue };
  }

  async add<K extends QueueKey>(key: K, name: string, data: JobInput<K>, options: JobsOptions = {}): Promise<void> {
    queueCatalog[key].schema.parse(data);
    await this.queues[key].add(name, data, options);
  }

  async addBulk<K extends QueueKey>(key: K, jobs: { name: string; data: JobInput<K>; opts?: JobsOptions }[]): Promise<void> {
    if (jobs.length === 0) return;
    const schema = queueCatalog[key].schema;
    for (const job of jobs) schema.parse(job.data);
    await this.queues[key].addBulk(jobs);
  }

  /**
   * Makes sure a job with this id will run: adds it when Redis has none (never reached Redis, or
   * Redis lost it), retries it when it failed, re-adds it when it completed without its effect
   * being recorded. Waiting, delayed and active jobs are left alone. Used by the outbox relay.
   */
  async ensureJob<K extends QueueKey>(
    key: K,
    name: string,
    data: JobInput<K>,
    jobId: string,
    options: JobsOptions = {},
  ): Promise<"added" | "retried" | "present"> {
    const existing = await this.queues[key].getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === "failed") {
        await existing.retry("failed");
        return "retried";
      }
      if (state !== "completed" && state !== "unknown") return "present";
      await existing.remove().catch(() => undefined);
    }
    await this.add(key, name, data, { ...options, jobId });
    return "added";
  }

  /** A repeating job (idempotent across restarts and replicas: one scheduler per id). */
  async schedule<K extends QueueKey>(key: K, schedulerId: string, everyMs: number, data: JobInput<K>): Promise<void> {
    queueCatalog[key].schema.parse(data);
    await this.queues[key].upsertJobScheduler(schedulerId, { every: everyMs }, { name: schedulerId, data });
  }

  async unschedule(key: QueueKey, schedulerId: string): Promise<void> {
    await this.queues[key].removeJobScheduler(schedulerId);
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
  }
}

// The job catalog: every queue's name, payload schema and default options in one place.
// Renaming a queue strands the jobs already waiting under the old name: drain it first.
import type { DefaultJobOptions } from "bullmq";
import { z } from "zod";
import { eventInputSchema } from "@modelhooks/contracts";

const id = z.number().int().positive();

/**
 * Fan-out: an event already recorded in the outbox (by its row id: uuids are unique only within a
 * workspace), or one published straight to Redis. Jobs of the older `{eventUuid}` shape fail as
 * invalid; their events are still un-fanned in the outbox, so the relay enqueues them again.
 */
export const fanOutJobSchema = z.union([z.strictObject({ eventId: id }), z.strictObject({ event: eventInputSchema })]);

/**
 * Delivery: one WebhookCall; the processor re-reads it, so the job never holds the payload or a secret.
 * `workspaceId` lets the worker cap a workspace's slots before touching the database; jobs enqueued
 * before it existed lack it, and the worker looks their workspace up instead.
 */
export const deliveryJobSchema = z.strictObject({ callId: id, webhookId: id, workspaceId: id.optional() });

/** Build: the delayed "build then notify" step of a scan request. */
export const buildJobSchema = z.strictObject({ buildId: id });

/**
 * A deadline of a promotion or scan (docs/lifecycles.md): when it fires, a promotion still waiting
 * for its call-back, or a scan for its result, ends FAILED / error. Delayed jobs survive a worker's
 * death in Redis; the processor is safe to run twice.
 */
export const deadlineJobSchema = z.strictObject({ kind: z.enum(["promotion-callback", "scan-result"]), eventId: id });

/** recoverWebhookCalls: one recorded request, worked through in batches. */
export const recoveryJobSchema = z.strictObject({ recoveryId: id });

/** Housekeeping on a schedule: re-enqueue what never reached (or fell out of) Redis. */
export const maintenanceJobSchema = z.strictObject({ task: z.enum(["outbox-relay"]) });

/**
 * Retention (docs/reliability.md): one run deletes what is older than RETENTION_DAYS, in batches.
 * A queue of its own so a long first run never delays the outbox relay on the maintenance queue.
 */
export const retentionJobSchema = z.strictObject({});

/** The job scheduler of the maintenance queue's outbox relay: one per deployment, whatever the number of workers. */
export const OUTBOX_RELAY_SCHEDULER = "outbox-relay";
/** The job scheduler of the retention queue: one per deployment, like the relay's. */
export const RETENTION_SCHEDULER = "retention";

const keepFailedForDashboard = { age: 14 * 24 * 3600 };

/** A job retried with exponential backoff, kept a while once done, and kept failed for the dashboard. */
const retried = (attempts: number, firstDelayMs: number, keepCompleted: { age?: number; count: number }): DefaultJobOptions => ({
  attempts,
  backoff: { type: "exponential", delay: firstDelayMs },
  removeOnComplete: keepCompleted,
  removeOnFail: keepFailedForDashboard,
});
const aDay = (count: number) => ({ age: 24 * 3600, count });

export const queueCatalog = {
  events: {
    name: "events",
    schema: fanOutJobSchema,
    // Completed jobs removed by count only: an age makes every completion also scan for old jobs to remove.
    jobOptions: retried(10, 1000, { count: 10_000 }),
  },
  deliveries: {
    name: "deliveries",
    schema: deliveryJobSchema,
    // attempts comes from DELIVERY_MAX_ATTEMPTS (see deliveryJobOptions); the delay from the
    // "webhook" backoff strategy the delivery worker registers.
    jobOptions: {
      backoff: { type: "webhook" },
      // By count only, as for events: the call log in PostgreSQL is the record, not the finished job.
      removeOnComplete: { count: 10_000 },
      removeOnFail: keepFailedForDashboard,
    },
  },
  builds: {
    name: "builds",
    schema: buildJobSchema,
    // A builder's own failure is recorded on the build, not retried; these attempts cover the
    // database or Redis failing around it.
    jobOptions: retried(5, 2000, aDay(1000)),
  },
  deadlines: {
    name: "deadlines",
    schema: deadlineJobSchema,
    // A deadline that cannot be checked (database down) is tried again; it never just vanishes.
    jobOptions: retried(20, 5000, aDay(1000)),
  },
  recoveries: {
    name: "recoveries",
    schema: recoveryJobSchema,
    jobOptions: retried(20, 2000, aDay(1000)),
  },
  maintenance: {
    name: "maintenance",
    schema: maintenanceJobSchema,
    jobOptions: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  },
  retention: {
    name: "retention",
    schema: retentionJobSchema,
    // A failed run is not retried: the next one, an interval later, starts over.
    jobOptions: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  },
} as const satisfies Record<string, { name: string; schema: z.ZodType; jobOptions: DefaultJobOptions }>;

export type QueueKey = keyof typeof queueCatalog;
/** What producers hand in (validated, stored as given) and what processors get (parsed). */
export type JobInput<K extends QueueKey> = z.input<(typeof queueCatalog)[K]["schema"]>;
export type JobData<K extends QueueKey> = z.output<(typeof queueCatalog)[K]["schema"]>;
export const QUEUE_KEYS = Object.keys(queueCatalog) as QueueKey[];

// Fixed job ids make enqueueing idempotent. bullmq forbids ":" in custom ids.
export const jobIds = {
  event: (eventId: number) => `event-${eventId}`,
  /** Published events have no row yet; their workspace is part of the id, as it is of the uuid's uniqueness. */
  publishedEvent: (workspaceId: number, eventUuid: string) => `published-${workspaceId}-${encodeURIComponent(eventUuid)}`,
  call: (callId: number) => `call-${callId}`,
  build: (buildId: number) => `build-${buildId}`,
  recovery: (recoveryId: number) => `recovery-${recoveryId}`,
  deadline: (kind: "promotion-callback" | "scan-result", eventId: number) => `${kind}-${eventId}`,
};

import { z } from "zod";
import { idListSchema, listOf, locationSchema } from "./common.js";
import { customHeadersSchema } from "./custom-headers.js";
import { eventTypeSchema, idSchema, RESOURCE_TYPES, resourceTypeSchema } from "./event-schema.js";

const eventTypes = z.array(eventTypeSchema).max(6);
const resourceTypes = z.array(resourceTypeSchema).max(RESOURCE_TYPES.length);
const secret = z.string().max(1024, "must be at most 1024 characters");
/** A whole number as a JSON number or a numeric string (protobuf JSON). */
const count = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^\d{1,9}$/, "must be a whole number")
    .transform(Number),
]);

/** A webhook's delivery rate limit; above this, a receiver wants a queue of its own, not a webhook. */
export const MAX_DELIVERIES_PER_SECOND = 1000;
const deliveriesPerSecond = count.pipe(
  z
    .number()
    .min(1, "must be at least 1 (null or absent: no limit)")
    .max(MAX_DELIVERIES_PER_SECOND, `must be at most ${MAX_DELIVERIES_PER_SECOND}`),
);

/** A webhook's scope: registered models of its workspace; empty means every model. */
export const MAX_SCOPED_MODELS = 100;
const registeredModelIds = z.array(idSchema).max(MAX_SCOPED_MODELS, `must list at most ${MAX_SCOPED_MODELS} models`);

export const createWebhookBody = z
  .strictObject({
    name: z.string().trim().min(1, "must not be empty").max(255),
    workspace_id: idSchema.optional(),
    location: locationSchema,
    mutual_secret: secret.optional(),
    event_types: eventTypes.default([]),
    all_events: z.boolean().default(false),
    resource_types: resourceTypes.default([]),
    /** Sent with every delivery and test; values are stored sealed and answered masked. */
    headers: customHeadersSchema(false).optional(),
    registered_model_ids: registeredModelIds.default([]),
    max_deliveries_per_second: deliveriesPerSecond.nullable().default(null),
  })
  .superRefine((body, ctx) => {
    if (!body.all_events && body.event_types.length === 0) {
      ctx.addIssue({ code: "custom", path: ["event_types"], message: "must not be empty unless all_events is true" });
    }
  });

export const webhookStatusSchema = z.enum(["ACTIVE", "DISABLED"]);

export const updateWebhookBody = z
  .strictObject({
    id: idSchema,
    new_name: z.string().trim().min(1).max(255).optional(),
    new_location: locationSchema.optional(),
    /** "" removes the secret. */
    mutual_secret: secret.optional(),
    add_event_types: eventTypes.default([]),
    delete_event_types: eventTypes.default([]),
    set_all_events: z.boolean().default(false),
    clear_all_events: z.boolean().default(false),
    add_resource_types: resourceTypes.default([]),
    delete_resource_types: resourceTypes.default([]),
    status: webhookStatusSchema.optional(),
    /** Replaces the set ({} removes all); a value of "••••" keeps that header's stored value. */
    headers: customHeadersSchema(true).optional(),
    /** Replaces the scope; [] receives every model's events again. */
    registered_model_ids: registeredModelIds.optional(),
    /** null removes the limit. */
    max_deliveries_per_second: deliveriesPerSecond.nullable().optional(),
  })
  .superRefine((body, ctx) => {
    if (body.set_all_events && body.clear_all_events) {
      ctx.addIssue({ code: "custom", path: ["clear_all_events"], message: "cannot be true together with set_all_events" });
    }
  });

export const findWebhookBody = z.strictObject({
  ids: idListSchema,
  names: listOf(z.string()),
  workspace_id: idListSchema,
  resource_types: listOf(resourceTypeSchema),
  /** Ours: each webhook also answers `stats` (success over 24 h, last call, last failure), as the console lists them. */
  include_stats: z.boolean().default(false),
});

export const deleteWebhookBody = z.strictObject({ ids: z.array(idSchema).min(1, "must name at least one webhook") });

export const callStatusSchema = z.enum(["UNKNOWN", "SUCCESS", "FAILURE", "IN_PROGRESS"]);

/** An instant as ISO-8601 with its offset ("2026-12-01T10:00:00Z"), as every time in the API is written. */
const instant = z.iso
  .datetime({ offset: true, error: "must be an ISO-8601 time with its offset, e.g. 2026-12-01T10:00:00Z" })
  .transform((value) => new Date(value));

/** `since` must come before `until` when both are given. */
// Zod runs refinements even after a field's own check failed (then it is still the raw text): look only at real instants.
const isInstant = (value: unknown): value is Date => value instanceof Date;

const orderedWindow = (body: { since?: Date; until?: Date }, ctx: z.RefinementCtx) => {
  if (isInstant(body.since) && isInstant(body.until) && body.since.getTime() >= body.until.getTime()) {
    ctx.addIssue({ code: "custom", path: ["until"], message: "must be after since" });
  }
};

const pageLimit = count.pipe(z.number().min(1).max(1000)).default(100);
const pageNumber = count.pipe(z.number().min(1)).default(1);

export const findWebhookCallBody = z
  .strictObject({
    ids: idListSchema,
    webhook_ids: idListSchema,
    event_uuids: listOf(z.string()),
    status: listOf(callStatusSchema),
    event_types: listOf(eventTypeSchema),
    /** Calls created at or after this instant. */
    since: instant.optional(),
    /** Calls created before this instant. */
    until: instant.optional(),
    page_limit: pageLimit,
    page_number: pageNumber,
    include_attempts: z.boolean().default(false),
  })
  .superRefine(orderedWindow);

export const findEventsBody = z
  .strictObject({
    workspace_id: idSchema.optional(),
    event_uuids: listOf(z.string()),
    event_types: listOf(eventTypeSchema),
    resource_types: listOf(resourceTypeSchema),
    since: instant.optional(),
    until: instant.optional(),
    page_limit: pageLimit,
    page_number: pageNumber,
  })
  .superRefine(orderedWindow);

/** The longest window one recovery may cover: an outage of two weeks, not the whole history. */
export const MAX_RECOVERY_WINDOW_DAYS = 14;

export const recoverWebhookCallsBody = z
  .strictObject({ webhook_id: idSchema, since: instant, until: instant.optional() })
  .superRefine(orderedWindow)
  .superRefine((body, ctx) => {
    if (!isInstant(body.since) || (body.until !== undefined && !isInstant(body.until))) return;
    const until = body.until ?? new Date();
    if (!body.until && body.since.getTime() >= until.getTime())
      ctx.addIssue({ code: "custom", path: ["since"], message: "must be in the past" });
    if (until.getTime() - body.since.getTime() > MAX_RECOVERY_WINDOW_DAYS * 24 * 60 * 60 * 1000) {
      ctx.addIssue({
        code: "custom",
        path: ["since"],
        message: `the window from since to until must be at most ${MAX_RECOVERY_WINDOW_DAYS} days`,
      });
    }
  });

export const retriggerWebhookCallBody = z.strictObject({ call_id: idSchema });

export const triggerTestBody = z.strictObject({ webhook_id: idSchema });

/** How long a rotated-out secret may keep signing: a week covers a receiver deployed weekly. */
export const MAX_SECRET_OVERLAP_SECONDS = 7 * 24 * 60 * 60;
export const DEFAULT_SECRET_OVERLAP_SECONDS = 24 * 60 * 60;

export const rotateWebhookSecretBody = z.strictObject({
  webhook_id: idSchema,
  /** Omitted: a strong one is generated and answered this once. */
  mutual_secret: secret.min(1, "must not be empty; omit it to have one generated").optional(),
  overlap_seconds: count
    .pipe(
      z.number().min(0, "must not be negative").max(MAX_SECRET_OVERLAP_SECONDS, `must be at most ${MAX_SECRET_OVERLAP_SECONDS} (7 days)`),
    )
    .default(DEFAULT_SECRET_OVERLAP_SECONDS),
});

export type CreateWebhookInput = z.output<typeof createWebhookBody>;
export type UpdateWebhookInput = z.output<typeof updateWebhookBody>;
export type FindWebhookInput = z.output<typeof findWebhookBody>;
export type FindWebhookCallInput = z.output<typeof findWebhookCallBody>;
export type FindEventsInput = z.output<typeof findEventsBody>;
export type RotateWebhookSecretInput = z.output<typeof rotateWebhookSecretBody>;
export type RecoverWebhookCallsInput = z.output<typeof recoverWebhookCallsBody>;

import { z } from "zod";
import { idListSchema, listOf, locationSchema } from "./common.js";
import { eventTypeSchema, idSchema, RESOURCE_TYPES, resourceTypeSchema } from "./event-schema.js";

const eventTypes = z.array(eventTypeSchema).max(6);
const resourceTypes = z.array(resourceTypeSchema).max(RESOURCE_TYPES.length);
const secret = z.string().max(1024, "must be at most 1024 characters");

export const createWebhookBody = z
  .strictObject({
    name: z.string().trim().min(1, "must not be empty").max(255),
    workspace_id: idSchema.optional(),
    location: locationSchema,
    mutual_secret: secret.optional(),
    event_types: eventTypes.default([]),
    all_events: z.boolean().default(false),
    resource_types: resourceTypes.default([]),
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
});

export const deleteWebhookBody = z.strictObject({ ids: z.array(idSchema).min(1, "must name at least one webhook") });

/** A whole number as a JSON number or a numeric string (protobuf JSON). */
const count = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^\d{1,9}$/, "must be a whole number")
    .transform(Number),
]);

export const callStatusSchema = z.enum(["UNKNOWN", "SUCCESS", "FAILURE", "IN_PROGRESS"]);

export const findWebhookCallBody = z.strictObject({
  ids: idListSchema,
  webhook_ids: idListSchema,
  event_uuids: listOf(z.string()),
  status: listOf(callStatusSchema),
  page_limit: count.pipe(z.number().min(1).max(1000)).default(100),
  page_number: count.pipe(z.number().min(1)).default(1),
  include_attempts: z.boolean().default(false),
});

export const retriggerWebhookCallBody = z.strictObject({ call_id: idSchema });

export const triggerTestBody = z.strictObject({ webhook_id: idSchema });

export type CreateWebhookInput = z.output<typeof createWebhookBody>;
export type UpdateWebhookInput = z.output<typeof updateWebhookBody>;
export type FindWebhookInput = z.output<typeof findWebhookBody>;
export type FindWebhookCallInput = z.output<typeof findWebhookCallBody>;

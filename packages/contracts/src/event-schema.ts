// The event envelope: what createEvent accepts, what publishEvent puts on the events queue, and
// (with workspace and webhook added) what receivers get. Kept free of imports from other
// packages so the queue catalog can use it without a cycle.
import { z } from "zod";
import { findUnstorable } from "./storable-json.js";

export const EVENT_TYPES = ["CREATE", "READ", "UPDATE", "DELETE", "PROMOTE", "REQUEST_SCAN"] as const;
// WEBHOOK and WEBHOOK_CALL are ours, beyond Verta's three: a webhook disabled for failing, and a call that
// ended FAILURE, are announced as UPDATEs of them so admins can route failures to their own tools.
export const RESOURCE_TYPES = ["REGISTERED_MODEL", "MODEL_VERSION", "BUILD", "WEBHOOK", "WEBHOOK_CALL"] as const;

export const eventTypeSchema = z.enum(EVENT_TYPES);
export const resourceTypeSchema = z.enum(RESOURCE_TYPES);

/** Numeric ids arrive as JSON numbers or, protobuf-JSON style, as numeric strings. */
export const idSchema = z.union([
  z.number().int().positive().max(2_147_483_647),
  z
    .string()
    .regex(/^[1-9]\d{0,9}$/, "must be a positive integer")
    .transform(Number)
    .pipe(z.number().max(2_147_483_647)),
]);

// What PostgreSQL reads back from ISO-8601: a four-digit year, and no year 0.
const EARLIEST_TIMESTAMP = new Date("0001-01-01T00:00:00.000Z");
const LATEST_TIMESTAMP = new Date("9999-12-31T23:59:59.999Z");

/** Unix seconds, Unix milliseconds or an ISO-8601 string; always a Date in the years 1–9999 afterwards. */
export const timestampSchema = z
  .union([
    z
      .number()
      .int()
      .nonnegative()
      .transform((value) => new Date(value < 1e11 ? value * 1000 : value)),
    z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
    z
      .string()
      .regex(/^\d{1,13}$/)
      .transform((value) => {
        const number = Number(value);
        return new Date(number < 1e11 ? number * 1000 : number);
      }),
  ])
  .pipe(
    z
      .date({ error: "must be a valid instant" })
      .min(EARLIEST_TIMESTAMP, "must be in the year 1 or later")
      .max(LATEST_TIMESTAMP, "must be before the year 10000"),
  );

// Checked here as well as by the API's guard: publishEvent jobs skip the API, and an entity
// PostgreSQL refuses would make the fan-out job fail on every retry.
const entitySchema = z
  .record(z.string(), z.unknown())
  .superRefine((entity, ctx) => {
    const found = findUnstorable(entity);
    if (found) ctx.addIssue({ code: "custom", message: found.message, path: found.path });
  })
  .nullable();

export const eventInputSchema = z.strictObject({
  event_uuid: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\w.:-]+$/, "letters, digits and . _ : - only"),
  event_type: eventTypeSchema,
  workspace_id: idSchema,
  timestamp: timestampSchema.optional(),
  resource_type: resourceTypeSchema,
  original_entity: entitySchema.optional(),
  new_entity: entitySchema.optional(),
});

export type EventInput = z.input<typeof eventInputSchema>;
export type ParsedEvent = z.output<typeof eventInputSchema>;
export type EventType = z.output<typeof eventTypeSchema>;
export type ResourceType = z.output<typeof resourceTypeSchema>;

/** What the outbox row's payload column holds: the entities, as emitted. */
export interface EventPayload {
  original_entity: Record<string, unknown> | null;
  new_entity: Record<string, unknown> | null;
}

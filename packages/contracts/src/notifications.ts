import { z } from "zod";
import { idSchema } from "./event-schema.js";

/** Query-string booleans: what a browser or curl sends. */
const queryBoolean = z
  .enum(["true", "false", "1", "0"], 'must be "true" or "false"')
  .transform((value) => value === "true" || value === "1");
const queryCount = z
  .string()
  .regex(/^\d{1,9}$/, "must be a whole number")
  .transform(Number);

export const listNotificationsQuery = z.strictObject({
  unread_only: queryBoolean.default(false),
  page_limit: queryCount.pipe(z.number().min(1).max(200)).default(50),
  page_number: queryCount.pipe(z.number().min(1)).default(1),
});

export const notificationIdParams = z.object({ id: idSchema });

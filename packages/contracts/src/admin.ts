import { z } from "zod";
import { idSchema } from "./event-schema.js";

export const createWorkspaceBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .regex(/^[\w.-]+$/, "letters, digits and . _ - only"),
});

export const createUserBody = z.strictObject({
  email: z.email().max(320),
  workspace_ids: z.array(idSchema).default([]),
  system_admin: z.boolean().default(false),
});

export const featureFlagSchema = z.enum(["PROMOTION_EVENTS", "SCAN_EVENTS"]);

export const featureFlagParams = z.object({ workspace_id: idSchema, flag: featureFlagSchema });
export const featureFlagBody = z.strictObject({ enabled: z.boolean() });

export const workspaceIdParams = z.object({ workspace_id: idSchema });
export const workspaceSettingsBody = z.strictObject({ require_safe_scan: z.boolean() });

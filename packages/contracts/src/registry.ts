import { z } from "zod";
import { idSchema } from "./event-schema.js";

const labels = z.array(z.string().min(1).max(255)).max(100);
const description = z.string().max(10_000);
const name = z.string().trim().min(1, "must not be empty").max(255);

export const workspaceNameParams = z.object({ workspace_name: z.string().min(1) });
export const modelIdParams = z.object({ rm_id: idSchema });
export const modelByNameParams = z.object({ workspace_name: z.string().min(1), name: z.string().min(1) });
export const versionIdParams = z.object({ mv_id: idSchema });
export const modelVersionParams = z.object({ rm_id: idSchema, mv_id: idSchema });

export const createRegisteredModelBody = z.strictObject({ name, description: description.optional(), labels: labels.optional() });
export const updateRegisteredModelBody = z.strictObject({
  id: idSchema.optional(),
  name: name.optional(),
  description: description.optional(),
  labels: labels.optional(),
});

export const createModelVersionBody = z.strictObject({
  version: z.string().trim().min(1, "must not be empty").max(255),
  description: description.optional(),
  labels: labels.optional(),
});

/** Verta's ModelVersion.redirect_metadata is JSON text; a JSON object is accepted and stored as its text. */
const redirectMetadata = z.union([
  z
    .string()
    .max(10_000)
    .refine((text) => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    }, 'must be JSON text, e.g. {"url": "https://…"}'),
  z.record(z.string(), z.unknown()).transform((object) => JSON.stringify(object)),
]);

export const updateModelVersionBody = z.strictObject({
  id: idSchema.optional(),
  registered_model_id: idSchema.optional(),
  description: description.optional(),
  labels: labels.optional(),
  promotion_status: z.enum(["COMPLETE", "FAILED"]).optional(),
  promotion_message: z.string().max(10_000).optional(),
  redirect_metadata: redirectMetadata.optional(),
});

export const stageSchema = z.enum(["UNASSIGNED", "DEVELOPMENT", "STAGING", "PRODUCTION", "ARCHIVED"]);
export const transitionStateSchema = z.enum(["PENDING", "APPROVED", "REJECTED", "CLOSED"]);
const comment = z.string().max(10_000).default("");

export const createTransitionBody = z.strictObject({ model_version_id: idSchema, desired_stage: stageSchema, comment });
export const decideTransitionBody = z.strictObject({ transition_id: idSchema, comment });
export const updateStageBody = z.strictObject({ model_version_id: idSchema, stage: stageSchema, comment });
export const findTransitionsBody = z.strictObject({
  model_version_id: idSchema,
  state: z.union([z.array(transitionStateSchema), transitionStateSchema.transform((state) => [state])]).default([]),
});

export const buildIdParams = z.object({ build_id: idSchema });
export const workspaceBuildParams = z.object({ workspace: z.string().min(1), build_id: idSchema });
export const workspaceParams = z.object({ workspace: z.string().min(1) });

export const createBuildBody = z.strictObject({ model_version_id: idSchema, scan_external: z.boolean().default(false) });
export const requestBuildScanBody = z.strictObject({ scan_external: z.literal(true, "must be true: only external scans are supported") });
export const scanResultBody = z.strictObject({
  scan_status: z.literal("scanned", 'must be "scanned"'),
  scan_external_results: z.strictObject({
    url: z.string().max(2048),
    safety_status: z.enum(["safe", "unsafe"], 'must be "safe" or "unsafe"'),
  }),
});

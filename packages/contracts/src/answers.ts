import { z } from "zod";
import { featureFlagSchema } from "./admin.js";
import { eventTypeSchema, resourceTypeSchema } from "./event-schema.js";
import {
  callStatusSchema,
  type createWebhookBody,
  type findWebhookCallBody,
  type recoverWebhookCallsBody,
  type rotateWebhookSecretBody,
  type updateWebhookBody,
  webhookStatusSchema,
} from "./event-service.js";
import {
  type createModelVersionBody,
  type createRegisteredModelBody,
  type createTransitionBody,
  stageSchema,
  transitionStateSchema,
} from "./registry.js";
import { type createUserBody, type createWorkspaceBody } from "./admin.js";

// What the API answers, for the console's typed client: the same shapes docs/api.md describes,
// written once here beside the request schemas they answer.

const iso = z.string();

export const webhookStatsAnswer = z.object({
  succeeded_24h: z.number(),
  failed_24h: z.number(),
  /** null when no call ended in the last 24 h. */
  success_rate_24h: z.number().nullable(),
  last_call_at: iso.nullable(),
  last_failure_at: iso.nullable(),
});

export const webhookAnswer = z.object({
  id: z.number(),
  name: z.string(),
  workspace_id: z.number(),
  location: z.string(),
  mutual_secret: z.literal(""),
  has_mutual_secret: z.boolean(),
  previous_secret_expires_at: iso.optional(),
  event_types: z.array(eventTypeSchema),
  all_events: z.boolean(),
  resource_types: z.array(resourceTypeSchema),
  registered_model_ids: z.array(z.number()),
  max_deliveries_per_second: z.number().nullable(),
  /** Names with masked values. */
  headers: z.record(z.string(), z.string()),
  status: webhookStatusSchema,
  disabled_reason: z.string().optional(),
  created_at: iso,
  updated_at: iso,
  stats: webhookStatsAnswer.optional(),
});

export const findWebhookAnswer = z.object({ webhooks: z.array(webhookAnswer) });

export const rotateWebhookSecretAnswer = z.object({
  webhook: webhookAnswer,
  mutual_secret: z.string().optional(),
  previous_secret_expires_at: iso.optional(),
});

export const triggerTestAnswer = z.object({ status_code: z.number(), body: z.string(), error: z.string().optional() });

const attemptResponse = {
  status_code: z.number(),
  body: z.string(),
  headers: z.record(z.string(), z.string()),
  duration_ms: z.number(),
  error: z.string().optional(),
};

export const webhookCallAnswer = z.object({
  id: z.number(),
  webhook_id: z.number(),
  event_uuid: z.string(),
  event_type: eventTypeSchema,
  status: callStatusSchema,
  attempts: z.number(),
  next_attempt_at: iso.optional(),
  retrigger_of: z.number().optional(),
  response: z.object(attemptResponse),
  created_at: iso,
  updated_at: iso,
  attempt_history: z
    .array(
      z.object({
        attempt: z.number(),
        started_at: iso,
        request: z.object({ url: z.string(), headers: z.record(z.string(), z.string()), body: z.string() }),
        ...attemptResponse,
      }),
    )
    .optional(),
});

export const findWebhookCallAnswer = z.object({ calls: z.array(webhookCallAnswer), total_records: z.number() });
export const recoverWebhookCallsAnswer = z.object({ recovered: z.number() });

export const registeredModelAnswer = z.object({
  id: z.number(),
  workspace_id: z.number(),
  name: z.string(),
  description: z.string(),
  labels: z.array(z.string()),
  time_created: z.number(),
  time_updated: z.number(),
});

export const promotionStatusSchema = z.enum(["NONE", "IN_PROGRESS", "COMPLETE", "FAILED"]);
export const scanStatusSchema = z.enum(["unscanned", "building", "scanning", "scanned", "error"]);
export const safetyStatusSchema = z.enum(["unknown", "safe", "unsafe"]);

export const modelVersionAnswer = z.object({
  id: z.number(),
  registered_model_id: z.number(),
  version: z.string(),
  description: z.string(),
  labels: z.array(z.string()),
  stage: stageSchema,
  promotion_status: promotionStatusSchema,
  promotion_message: z.string().optional(),
  promotion_updated_at: iso.optional(),
  redirect_metadata: z.string(),
  forwarding_url: z.string().optional(),
  time_created: z.number(),
  time_updated: z.number(),
});

export const buildAnswer = z.object({
  id: z.number(),
  model_version_id: z.number(),
  status: z.enum(["building", "finished", "error"]),
  image_url: z.string().optional(),
  message: z.string().optional(),
  scan_status: scanStatusSchema,
  safety_status: safetyStatusSchema,
  scan: z.object({
    scan_status: scanStatusSchema,
    safety_status: safetyStatusSchema,
    url: z.string().optional(),
    message: z.string().optional(),
    date_updated: iso,
  }),
  date_created: iso,
  date_updated: iso,
});

/** GET model_versions/{id}: the version page in one answer. */
export const versionPageAnswer = modelVersionAnswer.extend({
  latest_build: buildAnswer.nullable(),
  promotion_eligible: z.boolean(),
  promotion_ineligible_reason: z.string().optional(),
});

export const activityAnswer = z.object({
  id: z.number(),
  model_version_id: z.number(),
  author_id: z.number(),
  time_created: z.number(),
  comment: z.string(),
  transition: z.object({ id: z.number(), source_stage: stageSchema, desired_stage: stageSchema, state: transitionStateSchema }).optional(),
});

export const notificationAnswer = z.object({
  id: z.number(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  link: z.object({
    model_version_id: z.number().optional(),
    build_id: z.number().optional(),
    webhook_id: z.number().optional(),
    /** With webhook_id: the webhook's workspace (its console page lives under it). */
    workspace_id: z.number().optional(),
  }),
  created_at: iso,
  read_at: iso.nullable(),
});

export const listNotificationsAnswer = z.object({
  notifications: z.array(notificationAnswer),
  unread_count: z.number(),
  total_records: z.number(),
});

export const adminWorkspaceAnswer = z.object({
  id: z.number(),
  name: z.string(),
  require_safe_scan: z.boolean(),
  feature_flags: z.record(featureFlagSchema, z.boolean()),
  created_at: iso,
});

export const adminUserAnswer = z.object({
  id: z.number(),
  email: z.string(),
  system_admin: z.boolean(),
  workspace_ids: z.array(z.number()),
  created_at: iso,
});

export const createdUserAnswer = z.object({ id: z.number(), email: z.string(), developer_key: z.string() });

/** The one error shape of every answer that is not a success (docs/api.md, Errors). */
export const errorAnswer = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export type WebhookAnswer = z.infer<typeof webhookAnswer>;
export type WebhookStatsAnswer = z.infer<typeof webhookStatsAnswer>;
export type FindWebhookAnswer = z.infer<typeof findWebhookAnswer>;
export type RotateWebhookSecretAnswer = z.infer<typeof rotateWebhookSecretAnswer>;
export type TriggerTestAnswer = z.infer<typeof triggerTestAnswer>;
export type WebhookCallAnswer = z.infer<typeof webhookCallAnswer>;
export type FindWebhookCallAnswer = z.infer<typeof findWebhookCallAnswer>;
export type RecoverWebhookCallsAnswer = z.infer<typeof recoverWebhookCallsAnswer>;
export type RegisteredModelAnswer = z.infer<typeof registeredModelAnswer>;
export type ModelVersionAnswer = z.infer<typeof modelVersionAnswer>;
export type BuildAnswer = z.infer<typeof buildAnswer>;
export type VersionPageAnswer = z.infer<typeof versionPageAnswer>;
export type ActivityAnswer = z.infer<typeof activityAnswer>;
export type NotificationAnswer = z.infer<typeof notificationAnswer>;
export type ListNotificationsAnswer = z.infer<typeof listNotificationsAnswer>;
export type AdminWorkspaceAnswer = z.infer<typeof adminWorkspaceAnswer>;
export type AdminUserAnswer = z.infer<typeof adminUserAnswer>;
export type CreatedUserAnswer = z.infer<typeof createdUserAnswer>;
export type ErrorAnswer = z.infer<typeof errorAnswer>;

// Requests as a client writes them (before defaults and transforms).
export type CreateWebhookRequest = z.input<typeof createWebhookBody>;
export type UpdateWebhookRequest = z.input<typeof updateWebhookBody>;
export type RotateWebhookSecretRequest = z.input<typeof rotateWebhookSecretBody>;
export type FindWebhookCallRequest = z.input<typeof findWebhookCallBody>;
export type RecoverWebhookCallsRequest = z.input<typeof recoverWebhookCallsBody>;
export type CreateRegisteredModelRequest = z.input<typeof createRegisteredModelBody>;
export type CreateModelVersionRequest = z.input<typeof createModelVersionBody>;
export type CreateTransitionRequest = z.input<typeof createTransitionBody>;
export type CreateUserRequest = z.input<typeof createUserBody>;
export type CreateWorkspaceRequest = z.input<typeof createWorkspaceBody>;
export type Stage = z.infer<typeof stageSchema>;
export type CallStatus = z.infer<typeof callStatusSchema>;
export type FeatureFlag = z.infer<typeof featureFlagSchema>;

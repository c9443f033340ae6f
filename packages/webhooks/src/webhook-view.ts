import { MASKED_HEADER_VALUE } from "@modelhooks/contracts";
import type { Webhook } from "@modelhooks/db";

/** With its rotated-out secrets still signing, when the caller loaded them (signingPreviousSecretsInclude). */
export type WebhookWithRotation = Webhook & { previousSecrets?: Array<{ expiresAt: Date }> };

/** The include that loads what `previous_secret_expires_at` is read from. */
export const signingPreviousSecretsInclude = () => ({
  previousSecrets: { where: { expiresAt: { gt: new Date() } }, select: { expiresAt: true }, orderBy: { expiresAt: "desc" as const } },
});

/** The Webhook of docs/api.md (What it answers). The secret never leaves: `mutual_secret` is always "". */
export function webhookView(webhook: WebhookWithRotation) {
  const latestExpiry = webhook.previousSecrets?.[0]?.expiresAt;
  return {
    id: webhook.id,
    name: webhook.name,
    workspace_id: webhook.workspaceId,
    location: webhook.location,
    mutual_secret: "",
    has_mutual_secret: webhook.encryptedSecret !== null,
    // A rotation's overlap under way: until then the replaced secret signs too.
    ...(latestExpiry ? { previous_secret_expires_at: latestExpiry.toISOString() } : {}),
    event_types: webhook.eventTypes,
    all_events: webhook.allEvents,
    resource_types: webhook.resourceTypes,
    registered_model_ids: webhook.registeredModelIds,
    max_deliveries_per_second: webhook.maxDeliveriesPerSecond,
    // Names only: a stored value never leaves, not even to the admin who set it.
    headers: Object.fromEntries(webhook.headerNames.map((name) => [name, MASKED_HEADER_VALUE])),
    status: webhook.status,
    ...(webhook.disabledReason ? { disabled_reason: webhook.disabledReason } : {}),
    created_at: webhook.createdAt.toISOString(),
    updated_at: webhook.updatedAt.toISOString(),
  };
}

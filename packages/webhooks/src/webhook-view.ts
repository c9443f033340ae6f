import type { Webhook } from "@modelhooks/db";

/** The Webhook of docs/api.md (What it answers). The secret never leaves: `mutual_secret` is always "". */
export function webhookView(webhook: Webhook) {
  return {
    id: webhook.id,
    name: webhook.name,
    workspace_id: webhook.workspaceId,
    location: webhook.location,
    mutual_secret: "",
    has_mutual_secret: webhook.encryptedSecret !== null,
    event_types: webhook.eventTypes,
    all_events: webhook.allEvents,
    resource_types: webhook.resourceTypes,
    status: webhook.status,
    ...(webhook.disabledReason ? { disabled_reason: webhook.disabledReason } : {}),
    created_at: webhook.createdAt.toISOString(),
    updated_at: webhook.updatedAt.toISOString(),
  };
}

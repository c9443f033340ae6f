import { randomUUID } from "node:crypto";
import type { Db } from "@modelhooks/db";
import type { Principal } from "@modelhooks/identity";
import { findVisibleWebhook } from "./manage-webhooks.js";
import { buildOutgoingRequest } from "./outgoing-request.js";
import { signingPreviousSecrets } from "./rotate-secret.js";
import { openHeaders } from "./custom-headers.js";
import type { SecretBox } from "./secret-box.js";
import type { TransportResult, WebhookTransport } from "./webhook-transport.js";

export interface TestEventDeps {
  db: Db;
  secretBox: SecretBox;
  transport: WebhookTransport;
}

/**
 * triggerTest: a signed test event to the webhook now, answered with what the receiver said. It
 * records no call: it is a probe of the receiver, not a delivery (docs/decisions.md).
 */
export async function sendTestEvent(deps: TestEventDeps, principal: Principal, webhookId: number): Promise<TransportResult> {
  const webhook = await findVisibleWebhook(deps.db, principal, webhookId);
  const workspace = await deps.db.workspace.findUniqueOrThrow({ where: { id: webhook.workspaceId } });
  const envelope = {
    event_uuid: `test-${randomUUID()}`,
    event_type: webhook.allEvents ? "CREATE" : (webhook.eventTypes[0] ?? "CREATE"),
    workspace_id: workspace.id,
    workspace_name: workspace.name,
    timestamp: new Date().toISOString(),
    resource_type: webhook.resourceTypes[0] ?? "REGISTERED_MODEL",
    original_entity: null,
    new_entity: null,
    webhook: { id: webhook.id, name: webhook.name },
    test: true,
  };
  const secret = webhook.encryptedSecret ? deps.secretBox.open(webhook.encryptedSecret) : null;
  const previousSecrets = await signingPreviousSecrets(deps.db, deps.secretBox, webhook.id);
  const customHeaders = openHeaders(deps.secretBox, webhook.encryptedHeaders);
  const request = buildOutgoingRequest({ envelope, secret, previousSecrets, customHeaders, callId: null, attempt: 1 });
  return deps.transport.send({ url: webhook.location, ...request });
}

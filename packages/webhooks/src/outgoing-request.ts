import { signPayload } from "./signing.js";

export interface DeliveryEnvelope {
  event_uuid: string;
  event_type: string;
  workspace_id: number;
  workspace_name: string;
  timestamp: string;
  resource_type: string;
  original_entity: unknown;
  new_entity: unknown;
  webhook: { id: number; name: string };
  test: boolean;
}

export interface RequestContext {
  envelope: DeliveryEnvelope;
  secret: string | null;
  /** Rotated-out secrets still in their overlap: each signs too, after the current one. */
  previousSecrets?: readonly string[];
  /** The webhook's own headers (custom-headers.ts); none of them can be one of ours. */
  customHeaders?: Readonly<Record<string, string>>;
  callId: number | null;
  attempt: number;
  now?: Date;
}

/** The body and the Standard Webhooks headers of one attempt (docs/api.md, Deliveries on the wire). */
export function buildOutgoingRequest({
  envelope,
  secret,
  previousSecrets = [],
  customHeaders = {},
  callId,
  attempt,
  now = new Date(),
}: RequestContext) {
  const body = JSON.stringify(envelope);
  const timestamp = Math.floor(now.getTime() / 1000);
  const headers: Record<string, string> = {
    ...customHeaders,
    "content-type": "application/json",
    "webhook-id": envelope.event_uuid,
    "webhook-timestamp": String(timestamp),
    "x-modelhooks-event-type": envelope.event_type,
    "x-modelhooks-attempt": String(attempt),
  };
  if (callId !== null) headers["x-modelhooks-call-id"] = String(callId);
  // Standard Webhooks: several signatures, space-separated; a receiver accepts any one it can verify.
  const signing = [secret, ...previousSecrets].filter((key): key is string => Boolean(key));
  if (signing.length > 0)
    headers["webhook-signature"] = signing.map((key) => signPayload(key, envelope.event_uuid, timestamp, body)).join(" ");
  return { body, headers };
}

import { createHmac } from "node:crypto";

/**
 * Standard Webhooks signature. The HMAC key is the secret's UTF-8 bytes, so the official
 * `standardwebhooks` libraries verify it when given base64(mutual_secret) as their secret.
 */
export function signPayload(secret: string, webhookId: string, timestampSeconds: number, body: string): string {
  const digest = createHmac("sha256", Buffer.from(secret, "utf8")).update(`${webhookId}.${timestampSeconds}.${body}`).digest("base64");
  return `v1,${digest}`;
}

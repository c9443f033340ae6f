import { readFileSync } from "node:fs";
import type { Config } from "@modelhooks/config";
import { WebhookTransport } from "./webhook-transport.js";

const { version } = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
export const USER_AGENT = `modelhooks/${version}`;

/** The transport as configured for this deployment: deliveries and triggerTest share it. */
export function createTransport(config: Config): WebhookTransport {
  return new WebhookTransport({
    timeoutMs: config.DELIVERY_TIMEOUT_MS,
    responseBodyLimitBytes: config.DELIVERY_RESPONSE_BODY_LIMIT_BYTES,
    allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS,
    userAgent: USER_AGENT,
  });
}

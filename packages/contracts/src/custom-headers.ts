import { z } from "zod";

/** How a stored header value is answered, and what an update sends to keep a value as it is. */
export const MASKED_HEADER_VALUE = "••••";
export const MAX_CUSTOM_HEADERS = 20;
export const MAX_HEADER_NAME_LENGTH = 100;
export const MAX_HEADER_VALUE_LENGTH = 4096;

// RFC 9110 token: what a field name may be.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// What Node writes to the socket (a field value without CR, LF, NUL or other controls; Latin-1 only):
// anything else would make every delivery of the webhook throw before it is sent.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Names the transport sets itself or that carry our own meaning: a webhook may not send its own. */
const RESERVED = new Set(["host", "content-length", "content-type", "connection", "transfer-encoding", "user-agent"]);
const RESERVED_PREFIXES = ["webhook-", "x-modelhooks-"];

export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED.has(lower) || RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/**
 * Custom headers sent with every delivery and test (an `Authorization` for a CI receiver, say).
 * With `allowMasked`, a value of MASKED_HEADER_VALUE means "keep the stored one" (updateWebhook).
 */
export const customHeadersSchema = (allowMasked: boolean) =>
  z.record(z.string(), z.string()).superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > MAX_CUSTOM_HEADERS) ctx.addIssue({ code: "custom", message: `must have at most ${MAX_CUSTOM_HEADERS} headers` });
    const seen = new Set<string>();
    for (const [name, value] of Object.entries(headers)) {
      const issue = (message: string) => ctx.addIssue({ code: "custom", path: [name], message });
      if (!TOKEN.test(name) || name.length > MAX_HEADER_NAME_LENGTH)
        issue(`header names must be HTTP tokens of at most ${MAX_HEADER_NAME_LENGTH} characters`);
      else if (isReservedHeader(name))
        issue("is reserved: modelhooks sets it (host, content-*, connection, user-agent, webhook-*, x-modelhooks-*)");
      else if (seen.has(name.toLowerCase())) issue("is given twice (header names are case-insensitive)");
      seen.add(name.toLowerCase());
      if (allowMasked && value === MASKED_HEADER_VALUE) continue;
      if (!FIELD_VALUE.test(value)) issue("must not contain CR, LF or other control characters, and only Latin-1 characters");
      else if (value.length > MAX_HEADER_VALUE_LENGTH) issue(`must be at most ${MAX_HEADER_VALUE_LENGTH} characters`);
    }
  });

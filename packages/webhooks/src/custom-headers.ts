import { invalidArgument, MASKED_HEADER_VALUE } from "@modelhooks/contracts";
import type { SecretBox } from "./secret-box.js";

export type HeaderMap = Record<string, string>;

/** The two columns a webhook keeps its custom headers in. */
export interface StoredHeaders {
  headerNames: string[];
  encryptedHeaders: string | null;
}

export function sealHeaders(box: SecretBox, headers: HeaderMap): StoredHeaders {
  const names = Object.keys(headers);
  return { headerNames: names, encryptedHeaders: names.length > 0 ? box.seal(JSON.stringify(headers)) : null };
}

export function openHeaders(box: SecretBox, sealed: string | null): HeaderMap {
  return sealed ? (JSON.parse(box.open(sealed)) as HeaderMap) : {};
}

/**
 * updateWebhook's `headers`: the new set, where a masked value keeps the value stored under that
 * name (values are never answered, so a client edits one header by sending the others masked).
 */
export function mergeHeaders(stored: HeaderMap, requested: HeaderMap): HeaderMap {
  const merged: HeaderMap = {};
  for (const [name, value] of Object.entries(requested)) {
    if (value !== MASKED_HEADER_VALUE) merged[name] = value;
    else if (stored[name] !== undefined) merged[name] = stored[name];
    else throw invalidArgument(`headers.${name}`, `has no stored value to keep; send the value itself instead of "${MASKED_HEADER_VALUE}"`);
  }
  return merged;
}

/** Header values as answered and as kept in the request log: the names show, the values never do. */
export function maskHeaderValues(headers: Record<string, string>, custom: readonly string[]): Record<string, string> {
  const masked = new Set(custom.map((name) => name.toLowerCase()));
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, masked.has(name.toLowerCase()) ? MASKED_HEADER_VALUE : value]),
  );
}

import { badRequest } from "../http-errors.js";

export const MAX_JSON_DEPTH = 64;

/**
 * What JSON allows but PostgreSQL cannot store: NUL characters (text and jsonb refuse U+0000)
 * and nesting so deep that serialising it overflows the stack. Refused up front, naming where.
 */
export function assertStorable(value: unknown, path: string[] = [], depth = 0): void {
  const here = () => path.join(".") || "(body)";
  if (typeof value === "string") {
    if (value.includes("\u0000")) throw badRequest(`${here()}: must not contain NUL characters`, [{ path: here(), message: "must not contain NUL characters" }]);
    return;
  }
  if (value === null || typeof value !== "object") return;
  if (depth >= MAX_JSON_DEPTH) throw badRequest(`${here()}: nested more than ${MAX_JSON_DEPTH} levels deep`, [{ path: here(), message: `nested more than ${MAX_JSON_DEPTH} levels deep` }]);
  for (const [key, item] of Object.entries(value)) {
    const next = [...path, key];
    if (key.includes("\u0000")) throw badRequest(`${next.join(".")}: field names must not contain NUL characters`, [{ path: next.join("."), message: "field name contains a NUL character" }]);
    assertStorable(item, next, depth + 1);
  }
}

import { findUnstorable } from "@modelhooks/contracts";
import { badRequest } from "../http-errors.js";

/** Refuses, naming where, any input PostgreSQL could not store as given (see findUnstorable). */
export function assertStorable(value: unknown): void {
  const found = findUnstorable(value);
  if (!found) return;
  const path = found.path.join(".") || "(body)";
  throw badRequest(`${path}: ${found.message}`, [{ path, message: found.message }]);
}

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 256 random bits; shown to the user once, stored only as its hash. */
export function generateDeveloperKey(): string {
  return `mhk_${randomBytes(32).toString("base64url")}`;
}

export function hashDeveloperKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function developerKeyMatches(key: string, storedHash: string): boolean {
  const candidate = Buffer.from(hashDeveloperKey(key), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return candidate.length === stored.length && timingSafeEqual(candidate, stored);
}

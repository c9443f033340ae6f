export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

export const JITTER = 0.2;

/**
 * Wait before retry n (n = 1 after the first failed attempt): base × 6^(n-1), capped, ±20%.
 * A receiver's Retry-After replaces the schedule but never the cap.
 */
export function retryDelayMs(retryNumber: number, settings: BackoffSettings, retryAfterMs?: number, random = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, settings.maxMs);
  const scheduled = Math.min(settings.baseMs * 6 ** Math.max(0, retryNumber - 1), settings.maxMs);
  const jittered = scheduled * (1 + (random() * 2 - 1) * JITTER);
  return Math.round(Math.min(jittered, settings.maxMs));
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

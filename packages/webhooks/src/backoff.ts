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

// RFC 9110 HTTP-date (IMF-fixdate, RFC 850, asctime): a day name, then a time of day. Checked
// before Date.parse, which reads garbage such as "-5" or "1.5" as a past date (a 0 ms wait).
const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? .*\b\d{2}:\d{2}:\d{2}\b/;

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  if (!HTTP_DATE.test(value.trim())) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

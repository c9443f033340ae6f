import { describe, expect, it } from "@jest/globals";
import { JITTER, parseRetryAfter, retryDelayMs, type BackoffSettings } from "../../packages/webhooks/src/backoff.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** The documented defaults (README, configuration): DELIVERY_BACKOFF_BASE_MS=5s, DELIVERY_BACKOFF_MAX_MS=10h. */
const DEFAULTS: BackoffSettings = { baseMs: 5 * SECOND, maxMs: 10 * HOUR };

const low = () => 0;
const middle = () => 0.5;
const high = () => 1;

describe("retryDelayMs: min(base × 6^(n-1), max) ± 20%", () => {
  it("is exactly the formula when the jitter lands in the middle", () => {
    const settings = { baseMs: 100, maxMs: 1_000_000 };
    for (let retry = 1; retry <= 6; retry++) {
      expect(retryDelayMs(retry, settings, undefined, middle)).toBe(Math.min(100 * 6 ** (retry - 1), 1_000_000));
    }
  });

  it("spreads ±20% around the scheduled delay at the extremes of the random draw", () => {
    expect(JITTER).toBe(0.2);
    const settings = { baseMs: 1000, maxMs: 1_000_000 };
    expect(retryDelayMs(1, settings, undefined, low)).toBe(800);
    expect(retryDelayMs(1, settings, undefined, high)).toBe(1200);
    expect(retryDelayMs(3, settings, undefined, low)).toBe(28_800);
    expect(retryDelayMs(3, settings, undefined, high)).toBe(43_200);
  });

  it("gives the default schedule: about 5s, 30s, 3min, 18min, 108min, 10h, 10h", () => {
    const schedule = [1, 2, 3, 4, 5, 6, 7].map((retry) => retryDelayMs(retry, DEFAULTS, undefined, middle));
    expect(schedule).toEqual([5 * SECOND, 30 * SECOND, 3 * MINUTE, 18 * MINUTE, 108 * MINUTE, 10 * HOUR, 10 * HOUR]);
    // Seven retries after the first attempt (8 attempts): a day in all, give or take the jitter.
    const total = schedule.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBeGreaterThan(22 * HOUR);
    expect(total).toBeLessThan(23 * HOUR);
  });

  it("never exceeds the cap, even with the highest jitter, and never goes below 80% of it once capped", () => {
    for (let retry = 1; retry <= 20; retry++) {
      for (const random of [low, middle, high, () => 0.999_999]) {
        const delay = retryDelayMs(retry, DEFAULTS, undefined, random);
        expect(delay).toBeLessThanOrEqual(DEFAULTS.maxMs);
        expect(delay).toBeGreaterThan(0);
      }
    }
    expect(retryDelayMs(6, DEFAULTS, undefined, high)).toBe(DEFAULTS.maxMs);
    expect(retryDelayMs(6, DEFAULTS, undefined, low)).toBe(0.8 * DEFAULTS.maxMs);
  });

  it("returns whole milliseconds", () => {
    const delay = retryDelayMs(2, { baseMs: 333, maxMs: 1_000_000 }, undefined, () => 0.123);
    expect(Number.isInteger(delay)).toBe(true);
  });

  it("uses Retry-After instead of the schedule, without jitter, but never beyond the cap", () => {
    expect(retryDelayMs(1, DEFAULTS, 2 * MINUTE, low)).toBe(2 * MINUTE);
    expect(retryDelayMs(5, DEFAULTS, 7 * SECOND, high)).toBe(7 * SECOND);
    expect(retryDelayMs(1, DEFAULTS, 0, high)).toBe(0);
    expect(retryDelayMs(1, DEFAULTS, 48 * HOUR, middle)).toBe(DEFAULTS.maxMs);
    expect(retryDelayMs(1, { baseMs: 100, maxMs: 1000 }, 5000, middle)).toBe(1000);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2015-10-21T07:28:00Z");

  it("reads delta-seconds as milliseconds", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 5 ", now)).toBe(5000);
  });

  it("reads an HTTP date as the time left until it, and a past date as 0", () => {
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 09:28:00 GMT", now)).toBe(2 * HOUR);
    expect(parseRetryAfter("Tue, 20 Oct 2015 07:28:00 GMT", now)).toBe(0);
    // The obsolete RFC 850 form is still an HTTP-date (RFC 9110 §5.6.7).
    expect(parseRetryAfter("Wednesday, 21-Oct-15 07:29:00 GMT", now)).toBe(60_000);
  });

  it("ignores an absent, empty or unreadable value (the schedule applies instead)", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    for (const garbage of ["soon", "12abc", "1e3", "0x10", "-5", "1.5", "abc 1", "Infinity", "later, 2"]) {
      expect({ value: garbage, parsed: parseRetryAfter(garbage, now) }).toEqual({ value: garbage, parsed: undefined });
    }
  });
});

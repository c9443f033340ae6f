const UNITS: Array<[ms: number, singular: string]> = [
  [24 * 60 * 60 * 1000, "day"],
  [60 * 60 * 1000, "hour"],
  [60 * 1000, "minute"],
  [1000, "second"],
];

/** A duration in the words of a message to a person: "24 hours", "90 minutes", "1.5 seconds". */
export function describeDuration(ms: number): string {
  for (const [unit, name] of UNITS) {
    const count = ms / unit;
    // The largest unit that gives a whole number (or, for seconds, at most one decimal).
    if (Number.isInteger(count) || (unit === 1000 && count >= 1)) {
      const rounded = Math.round(count * 10) / 10;
      return `${rounded} ${name}${rounded === 1 ? "" : "s"}`;
    }
  }
  return `${ms} ms`;
}

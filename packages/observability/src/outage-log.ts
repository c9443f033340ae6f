import { displayUrl } from "@modelhooks/config";
import type { Logger } from "./logger.js";

export interface Dependency {
  /** "Redis", "PostgreSQL". */
  name: string;
  url: string;
  /** What a person should look at, e.g. "is Redis running there, and is REDIS_URL right?". */
  check: string;
}

/** How often a dependency that stays unreachable is reported again. */
export const OUTAGE_LOG_INTERVAL_MS = 10_000;

/**
 * One clear line when a dependency becomes unreachable (which URL, what failed, what to check),
 * then one per interval while it stays so, and one when it is back. Clients report every failed
 * reconnect (ioredis, and each of bullmq's connections, many times a second); this turns that
 * flood into something a person reads.
 */
export class OutageLog {
  private downSince: number | undefined;
  private lastLoggedAt = 0;

  constructor(
    private readonly logger: Logger,
    private readonly dependency: Dependency,
    private readonly intervalMs = OUTAGE_LOG_INTERVAL_MS,
  ) {}

  get down(): boolean {
    return this.downSince !== undefined;
  }

  failed(error: Error & { code?: string }): void {
    const now = Date.now();
    const what = error.message || error.code || error.name;
    const { name, url, check } = this.dependency;
    if (this.downSince === undefined) {
      this.downSince = now;
    } else if (now - this.lastLoggedAt < this.intervalMs) {
      return;
    }
    this.lastLoggedAt = now;
    const since = now - this.downSince;
    const still = since > 0 ? ` (for ${Math.round(since / 1000)} s)` : "";
    this.logger.error(
      `${name} unreachable at ${displayUrl(url)}${still}: ${what}. Check: ${check} Retrying; /readyz answers 503 until it is back.`,
    );
  }

  recovered(): void {
    if (this.downSince === undefined) return;
    const { name, url } = this.dependency;
    this.logger.info(`${name} reachable again at ${displayUrl(url)} after ${Math.round((Date.now() - this.downSince) / 1000)} s`);
    this.downSince = undefined;
  }
}

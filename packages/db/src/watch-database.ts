import { pingDatabase, type Db } from "./client.js";
import { databaseErrorSummary } from "./database-errors.js";

export interface DatabaseWatch {
  /** Resolves the first time PostgreSQL answers. */
  reachable: Promise<void>;
  stop(): void;
}

/**
 * Pings PostgreSQL every `intervalMs` for as long as the process runs, telling `outage` of each
 * failure and of the recovery (it decides what is worth a log line), so an outage is reported
 * whether or not a request or a job happens to hit it.
 */
export function watchDatabase(db: Db, outage: { failed(error: Error): void; recovered(): void }, intervalMs = 2_000): DatabaseWatch {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let markReachable: () => void = () => undefined;
  const reachable = new Promise<void>((resolve) => (markReachable = resolve));
  const ping = async () => {
    try {
      await pingDatabase(db);
      outage.recovered();
      markReachable();
    } catch (error) {
      outage.failed(new Error(databaseErrorSummary(error)));
    }
    if (!stopped) timer = setTimeout(() => void ping(), intervalMs).unref();
  };
  void ping();
  return {
    reachable,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

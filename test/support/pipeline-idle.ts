import type { QueueKey } from "@modelhooks/queues";
import { totalUnfinished, UNFINISHED_WORK_SQL, type UnfinishedWork } from "../../scripts/lib/unfinished-work.js";
import { waitFor } from "../../scripts/lib/wait-for.js";
import type { Harness } from "./harness.js";

// The queues whose jobs do the pipeline's work. Not maintenance: its relay is a repeating job that
// always has its next run delayed, and what it would relay (an event not fanned out) counts below.
const WORK_QUEUES: QueueKey[] = ["events", "deliveries", "builds"];
const PENDING_STATES = ["waiting", "active", "delayed", "prioritized", "waiting-children", "paused"] as const;

/**
 * Waits until the pipeline has finished everything it was given: no job pending under the
 * harness's queue prefix, and in its database every event fanned out, every call final, no build
 * still building. A test that asserts something did not happen (no delivery, no event) waits for
 * this first, so the thing it rules out had every chance to happen.
 *
 * The queues are read before the database: a job only ends after recording the work it hands on,
 * so empty queues followed by no unfinished rows means nothing was in between.
 */
export async function waitForIdle(h: Harness, options: { timeoutMs?: number } = {}): Promise<void> {
  await waitFor(
    async () => {
      const pending: string[] = [];
      for (const key of WORK_QUEUES) {
        const counts = await h.api.queues.queues[key].getJobCounts(...PENDING_STATES);
        const busy = Object.entries(counts).filter(([, count]) => count > 0);
        if (busy.length) pending.push(`${key} jobs ${busy.map(([state, count]) => `${count} ${state}`).join(", ")}`);
      }
      if (pending.length) throw new Error(pending.join("; "));
      const [work] = await h.api.db.$queryRawUnsafe<UnfinishedWork[]>(UNFINISHED_WORK_SQL);
      if (totalUnfinished(work) !== 0) throw new Error(`unfinished in PostgreSQL: ${JSON.stringify(work)}`);
      return true;
    },
    { what: "the pipeline to be idle", timeoutMs: options.timeoutMs },
  );
}

/**
 * How fast a workspace's recent jobs are forgotten: a flood's weight halves every 10 s once it
 * stops, so a workspace that was noisy a minute ago is back among the quiet ones.
 */
export const FAIR_SHARE_HALF_LIFE_MS = 10_000;

/** bullmq's lowest priority (its PRIORITY_LIMIT); 0, no priority, goes before every prioritized job. */
const LOWEST_PRIORITY = 2 ** 21 - 1;

/** A count at which a workspace is forgotten: it weighs no more than one that sent nothing. */
const FORGOTTEN = 0.5;

/**
 * Fair order between workspaces in a queue (docs/decisions.md, "Fair share"): each batch of jobs
 * gets a bullmq priority from how many jobs its workspace queued recently, in this process, on a
 * log scale, so a workspace that just queued ten thousand waits behind one that queued ten, and
 * workspaces of similar weight share a priority (first in, first out among them). Each API or
 * worker replica counts what it queues itself: bullmq spreads the work evenly over the workers
 * and a load balancer over the APIs, so every replica sees the same workspaces in about the same
 * proportions, without a Redis round trip per batch.
 */
export class FairShare {
  private readonly weights = new Map<number, { count: number; at: number }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Counts `jobs` more for the workspace; the bullmq priority they get now (1 = first). */
  priorityOf(workspaceId: number, jobs: number): number {
    const now = this.now();
    const weight = this.weights.get(workspaceId);
    const count = (weight ? decayed(weight, now) : 0) + jobs;
    this.weights.set(workspaceId, { count, at: now });
    if (this.weights.size > 10_000) this.forgetQuiet(now);
    return priorityOfWeight(count);
  }

  private forgetQuiet(now: number): void {
    for (const [workspaceId, weight] of this.weights) if (decayed(weight, now) < FORGOTTEN) this.weights.delete(workspaceId);
  }
}

function decayed(weight: { count: number; at: number }, now: number): number {
  return weight.count * 0.5 ** (Math.max(0, now - weight.at) / FAIR_SHARE_HALF_LIFE_MS);
}

/** 1 for a workspace that queued nothing recently, one step more for each doubling of what it queued. */
export function priorityOfWeight(weight: number): number {
  return Math.min(LOWEST_PRIORITY, 1 + Math.floor(Math.log2(1 + Math.max(0, weight))));
}

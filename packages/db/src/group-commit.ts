export interface GroupCommitOptions {
  /** Batches run at once; more items wait and go together in the next batch. */
  maxConcurrentBatches: number;
  maxBatchSize: number;
  /**
   * Whether a batch's failure may be the fault of one item, so that each is worth trying alone.
   * Anything else (database down, timeouts) fails the whole batch at once, without more load.
   */
  retryAlone: (error: unknown) => boolean;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: many concurrent callers' rows in one statement. An item is sent at once when a
 * batch slot is free, so a quiet system pays no delay; under load, items that arrive while every
 * slot is busy travel together in the next batch, which is what cuts the round trips and the
 * per-statement work of PostgreSQL. `run` answers one result per item, in order.
 */
export class GroupCommit<Item, Result> {
  private waiting: Array<Waiting<Item, Result>> = [];
  private running = 0;

  constructor(
    private readonly run: (items: Item[]) => Promise<Result[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.running < this.options.maxConcurrentBatches && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatchSize);
      this.running += 1;
      void this.settle(batch).finally(() => {
        this.running -= 1;
        this.dispatch();
      });
    }
  }

  private async settle(batch: Array<Waiting<Item, Result>>): Promise<void> {
    try {
      const results = await this.run(batch.map((waiting) => waiting.item));
      batch.forEach((waiting, index) => waiting.resolve(results[index] as Result));
    } catch (error) {
      if (batch.length === 1 || !this.options.retryAlone(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      // One at a time, inside this batch's slot: one bad row must not fail its neighbours,
      // and the retries must not add to the load beyond the slots.
      for (const waiting of batch) await this.settle([waiting]);
    }
  }
}

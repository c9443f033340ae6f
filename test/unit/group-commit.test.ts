import { describe, expect, it } from "@jest/globals";
import { GroupCommit } from "../../packages/db/src/group-commit.js";

/** A controllable "statement": each run waits until released, and is remembered. */
class RowError extends Error {}

function recordingRunner(fail: (items: number[]) => Error | undefined = () => undefined) {
  const runs: number[][] = [];
  const releases: Array<() => void> = [];
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      runs.push(items);
      releases.push(() => {
        const error = fail(items);
        if (error) reject(error);
        else resolve(items.map((item) => `row ${item}`));
      });
    });
  const releaseNext = async () => {
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  const releaseAll = async () => {
    while (releases.length > 0) await releaseNext();
  };
  return { runs, run, releaseNext, releaseAll };
}

const OPTIONS = { maxConcurrentBatches: 1, maxBatchSize: 100, retryAlone: (error: unknown) => error instanceof RowError };

describe("GroupCommit", () => {
  it("sends an item at once when a slot is free, and gathers those that arrive while every slot is busy", async () => {
    const runner = recordingRunner();
    const commit = new GroupCommit(runner.run, OPTIONS);
    const first = commit.submit(1);
    expect(runner.runs).toEqual([[1]]);
    const rest = [2, 3, 4].map((item) => commit.submit(item));
    expect(runner.runs).toEqual([[1]]);
    await runner.releaseAll();
    expect(runner.runs).toEqual([[1], [2, 3, 4]]);
    expect(await first).toBe("row 1");
    expect(await Promise.all(rest)).toEqual(["row 2", "row 3", "row 4"]);
  });

  it("keeps batches within maxBatchSize and runs up to maxConcurrentBatches at once", async () => {
    const runner = recordingRunner();
    const commit = new GroupCommit(runner.run, { ...OPTIONS, maxConcurrentBatches: 2, maxBatchSize: 2 });
    const results = [1, 2, 3, 4, 5, 6, 7].map((item) => commit.submit(item));
    expect(runner.runs).toEqual([[1], [2]]);
    await runner.releaseAll();
    expect(runner.runs).toEqual([[1], [2], [3, 4], [5, 6], [7]]);
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5, 6, 7].map((item) => `row ${item}`));
  });

  it("when a row's data fails a batch, retries its items one at a time, so only that item fails", async () => {
    const runner = recordingRunner((items) => (items.includes(3) ? new RowError(`refused ${items.join(",")}`) : undefined));
    const commit = new GroupCommit(runner.run, OPTIONS);
    const results = [1, 2, 3, 4].map((item) =>
      commit.submit(item).then(
        (row) => row,
        (error: Error) => error.message,
      ),
    );
    await runner.releaseNext(); // [1]
    await runner.releaseNext(); // [2, 3, 4] fails
    // Alone and in turn, within the batch's slot: never more statements at once than slots.
    expect(runner.runs).toEqual([[1], [2, 3, 4], [2]]);
    await runner.releaseAll();
    expect(await Promise.all(results)).toEqual(["row 1", "row 2", "refused 3", "row 4"]);
    expect(runner.runs).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it("fails the whole batch at once on any other error (database down), without retrying item by item", async () => {
    const runner = recordingRunner((items) => (items.length > 1 ? new Error("connection refused") : undefined));
    const commit = new GroupCommit(runner.run, OPTIONS);
    const first = commit.submit(1);
    const results = [2, 3, 4].map((item) =>
      commit.submit(item).then(
        (row) => row,
        (error: Error) => error.message,
      ),
    );
    await runner.releaseAll();
    expect(await first).toBe("row 1");
    expect(await Promise.all(results)).toEqual(["connection refused", "connection refused", "connection refused"]);
    expect(runner.runs).toEqual([[1], [2, 3, 4]]);
  });

  it("keeps serving after a failure", async () => {
    const runner = recordingRunner((items) => (items.includes(1) ? new RowError("refused 1") : undefined));
    const commit = new GroupCommit(runner.run, OPTIONS);
    const failed = commit.submit(1).catch((error: Error) => error.message);
    await runner.releaseAll();
    expect(await failed).toBe("refused 1");
    const later = commit.submit(2);
    await runner.releaseAll();
    expect(await later).toBe("row 2");
  });
});

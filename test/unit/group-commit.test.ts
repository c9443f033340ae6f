import { describe, expect, it } from "@jest/globals";
import { GroupCommit } from "../../packages/db/src/group-commit.js";

/** A controllable "statement": each run waits until released, and is remembered. */
function recordingRunner(fail: (items: number[]) => boolean = () => false) {
  const runs: number[][] = [];
  const releases: Array<() => void> = [];
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      runs.push(items);
      releases.push(() => (fail(items) ? reject(new Error(`refused ${items.join(",")}`)) : resolve(items.map((item) => `row ${item}`))));
    });
  const releaseAll = async () => {
    while (releases.length > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { runs, run, releaseAll };
}

describe("GroupCommit", () => {
  it("sends an item at once when a slot is free, and gathers those that arrive while every slot is busy", async () => {
    const runner = recordingRunner();
    const commit = new GroupCommit(runner.run, { maxConcurrentBatches: 1, maxBatchSize: 100 });
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
    const commit = new GroupCommit(runner.run, { maxConcurrentBatches: 2, maxBatchSize: 2 });
    const results = [1, 2, 3, 4, 5, 6, 7].map((item) => commit.submit(item));
    expect(runner.runs).toEqual([[1], [2]]);
    await runner.releaseAll();
    expect(runner.runs).toEqual([[1], [2], [3, 4], [5, 6], [7]]);
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5, 6, 7].map((item) => `row ${item}`));
  });

  it("when a batch fails, retries its items one by one, so only the item the database refuses fails", async () => {
    const runner = recordingRunner((items) => items.includes(3));
    const commit = new GroupCommit(runner.run, { maxConcurrentBatches: 1, maxBatchSize: 100 });
    const results = [1, 2, 3, 4].map((item) => commit.submit(item).then((row) => row, (error: Error) => error.message));
    await runner.releaseAll();
    expect(await Promise.all(results)).toEqual(["row 1", "row 2", "refused 3", "row 4"]);
    expect(runner.runs).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it("keeps serving after a failure", async () => {
    const runner = recordingRunner((items) => items.includes(1));
    const commit = new GroupCommit(runner.run, { maxConcurrentBatches: 1, maxBatchSize: 100 });
    const failed = commit.submit(1).catch((error: Error) => error.message);
    await runner.releaseAll();
    expect(await failed).toBe("refused 1");
    const later = commit.submit(2);
    await runner.releaseAll();
    expect(await later).toBe("row 2");
  });
});

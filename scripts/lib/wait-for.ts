// Bounded polling, the one way tests, the demo, the soak and the bench wait for something to
// happen: a timeout, a pause between checks, and a description that names what never came.
import { setTimeout as sleep } from "node:timers/promises";

export interface WaitOptions {
  /** What is waited for, as the timeout's message names it ("the delivery to arrive"). */
  what: string;
  /** Default 20 s. */
  timeoutMs?: number;
  /** The pause between two checks; default 50 ms. */
  intervalMs?: number;
  /**
   * An error thrown by the check: "retry" (default) treats it as "not yet" and names the last one
   * if time runs out (a service still starting refuses connections); "fail" ends the wait at once
   * (the check knows the thing waited for can no longer happen).
   */
  onError?: "retry" | "fail";
  /** Ends the wait early (Ctrl-C): it rejects with the signal's reason. */
  signal?: AbortSignal;
}

export class WaitTimeoutError extends Error {}

/**
 * Calls `check` until it returns something other than undefined or false, and resolves with that;
 * rejects with a WaitTimeoutError once `timeoutMs` has passed.
 */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, options: WaitOptions): Promise<T> {
  const { what, timeoutMs = 20_000, intervalMs = 50, onError = "retry", signal } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      if (onError === "fail") throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new WaitTimeoutError(`timed out after ${duration(timeoutMs)} waiting for ${what}${reason}`);
    }
    await sleep(intervalMs, undefined, { signal });
  }
}

/** Like waitFor, but a timeout resolves with undefined instead: for callers that report what they got by then. */
export async function waitForUpTo<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions,
): Promise<T | undefined> {
  try {
    return await waitFor(check, options);
  } catch (error) {
    if (error instanceof WaitTimeoutError) return undefined;
    throw error;
  }
}

function duration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

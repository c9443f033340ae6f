/**
 * Polls `check` until it returns a value (not undefined); bounded. An error thrown by `check`
 * ends the wait at once: it means the thing waited for can no longer happen.
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined> | T | undefined,
  options: { what: string; timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}

/**
 * Waits for a condition the app reaches asynchronously (a job run by the queue's worker),
 * checking as often as the event loop allows, with a deadline instead of a fixed sleep.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  {
    timeoutMs = 15_000,
    what = 'condition',
  }: { timeoutMs?: number; what?: string | (() => string) } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const described = typeof what === 'function' ? what() : what;
      throw new Error(
        `Timed out waiting for ${described}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

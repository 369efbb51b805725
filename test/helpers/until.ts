/** Polling for a condition in tests that drive real processes (the machine may be loaded: wait generously). */

/**
 * Calls `fn` every `everyMs` until it gives something other than undefined and returns that; a
 * throw counts as not yet. After `timeoutMs` fails naming `what` and the last error.
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

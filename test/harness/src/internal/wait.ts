/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  /** What is awaited, for the timeout message ("ZooKeeper 127.0.0.1:2181 to be ready"). */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Stops waiting early, e.g. when the server process exits; the reason is thrown. */
  signal?: AbortSignal;
}

/**
 * Polls `probe` until it returns something other than undefined/false. Probe errors count as "not yet":
 * a server refuses connections for a while during start-up. The last error is kept for the timeout message.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false>,
  { what, timeoutMs, intervalMs = 50, signal }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  const abort = signal && aborted(signal);
  for (;;) {
    signal?.throwIfAborted();
    try {
      // Raced with the abort so a probe hanging on a dead server (up to its own timeout) does not delay
      // the verdict that the server exited.
      const result = await (abort ? Promise.race([probe(), abort]) : probe());
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      signal?.throwIfAborted();
      lastError = error;
    }
    signal?.throwIfAborted();
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  // Nobody may be awaiting it when the signal fires; the loop notices through throwIfAborted.
  promise.catch(() => {});
  return promise;
}

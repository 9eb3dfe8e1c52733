let cached = 0;

/**
 * Date.now(), memoised for about a millisecond (until the event loop next runs timers). Level-1 hits check
 * expiry on every read, and a clock read costs about as much as the LRU lookup; lru-cache does the same for
 * its TTLs (ttlResolution). Expiry may therefore be noticed a timer tick late, never early.
 */
export function coarseNow(): number {
  if (cached === 0) {
    cached = Date.now();
    setTimeout(reset, 1).unref();
  }
  return cached;
}

function reset(): void {
  cached = 0;
}

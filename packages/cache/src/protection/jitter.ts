/**
 * Spreads expiries (the avalanche guard): entries written together, e.g. by a warm-up, would otherwise expire
 * together and send every request to the database at once. `ratio` 0.1 gives ttl .. ttl * 1.1.
 */
export function jitterTtl(ttlMs: number, ratio: number, random: () => number = Math.random): number {
  if (ratio <= 0) return ttlMs;
  return Math.round(ttlMs * (1 + random() * ratio));
}

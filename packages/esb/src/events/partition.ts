/**
 * FNV-1a over the key: fast, stable across processes and versions (never Math.random or a seeded hash), so
 * every publisher puts one key on the same partition and per-key order holds.
 */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

let spread = 0;

/** Keyless messages carry no order promise: spread them round-robin so no partition runs hot. */
export function partitionFor(key: string | undefined, partitions: number): number {
  if (key !== undefined) return partitionOf(key, partitions);
  spread = (spread + 1) % partitions;
  return spread;
}

import { StagesError } from '@stages/common';

/**
 * A set of known keys that can say "certainly not there" (the penetration guard for ids that cannot exist).
 * `mightContain` may answer true for a key never added (at about the configured false-positive rate), never
 * false for one that was added. Keys cannot be removed: rebuild the filter when many are gone.
 */
export interface BloomFilter {
  readonly name: string;
  add(keys: string | readonly string[]): Promise<void>;
  mightContain(key: string): Promise<boolean>;
}

export interface BloomSizing {
  /** How many keys the filter is sized for. */
  expectedItems: number;
  /** Wanted false-positive rate at that many keys. Default 0.01. */
  falsePositiveRate?: number;
}

/** The classic optimum: m = -n ln p / (ln 2)^2 bits and k = m/n ln 2 hash functions. */
export function bloomSize(sizing: BloomSizing): { bits: number; hashes: number } {
  const n = sizing.expectedItems;
  const p = sizing.falsePositiveRate ?? 0.01;
  if (!(n >= 1) || !(p > 0 && p < 1)) {
    throw new StagesError('INVALID_ARGUMENT', `Bloom filter needs expectedItems >= 1 and 0 < falsePositiveRate < 1`, {
      details: { expectedItems: n, falsePositiveRate: p },
    });
  }
  const bits = Math.min(2 ** 32, Math.ceil((-n * Math.log(p)) / Math.LN2 ** 2));
  const hashes = Math.max(1, Math.round((bits / n) * Math.LN2));
  return { bits, hashes };
}

/**
 * The k bit positions of a key, by double hashing (Kirsch–Mitzenmacher: h1 + i*h2) over two independent
 * 32-bit hashes of the key's UTF-16 code units. Deterministic across processes and machines, which the
 * Redis-backed filter relies on.
 */
export function bitPositions(key: string, bits: number, hashes: number): number[] {
  const h1 = fnv1a(key);
  const h2 = murmurMix(key) | 1; // odd, so the k probes never collapse onto one position
  const positions = new Array<number>(hashes);
  for (let i = 0; i < hashes; i++) positions[i] = ((h1 + Math.imul(i, h2)) >>> 0) % bits;
  return positions;
}

function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function murmurMix(key: string): number {
  let h = 0x9747b28c ^ key.length;
  for (let i = 0; i < key.length; i++) {
    let k = Math.imul(key.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

import type { Serializer } from '../serializer.js';

/**
 * What the cache keeps per key. `absent` marks "the loader said this does not exist" (penetration guard).
 * `expiresAt` is the epoch ms the entry dies at in level 2, so a copy pulled into level 1 never outlives it.
 * `freshUntil` is the epoch ms after which the value is stale, served while one refresh runs
 * (stale-while-revalidate); Infinity when that is off, so a level-1 hit needs no clock read.
 */
export interface Entry {
  readonly value: unknown;
  readonly absent: boolean;
  readonly expiresAt: number;
  readonly freshUntil: number;
  /** Approximate bytes, for the level-1 byte bound. */
  readonly size: number;
}

// Level-2 wire form: a kind letter (v value, a absent), expiresAt, optionally ',' freshUntil, '|', the payload:
//   v1732900060000|{"id":1}     a1732900030000|     v1732900060000,1732900050000|{"id":1}
// Keeping the absent marker and the clocks in the value means one GET answers everything.
export function encodeEntry(entry: Entry, payload: string): string {
  const fresh = entry.freshUntil === Number.POSITIVE_INFINITY ? '' : `,${entry.freshUntil}`;
  return `${entry.absent ? 'a' : 'v'}${entry.expiresAt}${fresh}|${payload}`;
}

export function decodeEntry(raw: string, serializer: Serializer): Entry | undefined {
  const bar = raw.indexOf('|');
  const kind = raw.charCodeAt(0);
  if (bar < 2 || (kind !== 0x76 && kind !== 0x61)) return undefined; // not written by us: treat as a miss
  const comma = raw.indexOf(',');
  const hasFresh = comma > 0 && comma < bar;
  const expiresAt = Number(raw.slice(1, hasFresh ? comma : bar));
  const freshUntil = hasFresh ? Number(raw.slice(comma + 1, bar)) : Number.POSITIVE_INFINITY;
  if (Number.isNaN(expiresAt) || Number.isNaN(freshUntil)) return undefined;
  const absent = kind === 0x61;
  const value = absent ? undefined : serializer.deserialize(raw.slice(bar + 1));
  return { value, absent, expiresAt, freshUntil, size: raw.length };
}

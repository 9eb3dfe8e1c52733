import type { ShardingAlgorithm } from './algorithm.js';

/**
 * FNV-1a hash of the key's text, mod n: spreads any key type evenly, including snowflake ids. The text of
 * 42, 42n and '42' is the same, so a key keeps its shard whichever type the caller passes it as.
 */
export class HashModuloAlgorithm implements ShardingAlgorithm {
  readonly name = 'hash-modulo';

  shardFor(value: unknown, shardCount: number): number {
    return fnv1a(String(value)) % shardCount;
  }
}

export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

import { StagesError } from '@stages/common';
import type { ShardingAlgorithm } from './algorithm.js';

/**
 * `key mod n` on an integer key: predictable (the shard of order 42 is 42 % n), good for dense sequential ids.
 * Snowflake ids are a poor fit (their low bits are a per-millisecond sequence, mostly zero): use hash-modulo.
 */
export class ModuloAlgorithm implements ShardingAlgorithm {
  readonly name = 'modulo';

  shardFor(value: unknown, shardCount: number): number {
    let n: bigint;
    try {
      n = BigInt(value as string | number | bigint);
    } catch {
      throw new StagesError('INVALID_ARGUMENT', `modulo sharding needs an integer key, got ${String(value)}`);
    }
    const r = n % BigInt(shardCount);
    return Number(r < 0n ? r + BigInt(shardCount) : r);
  }
}

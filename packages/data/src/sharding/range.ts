import { StagesError } from '@stages/common';
import { compareValues } from '../table/schema.js';
import type { ShardingAlgorithm } from './algorithm.js';

/**
 * Ranges split at ascending boundaries: with [1000, 2000], keys below 1000 go to shard 0, 1000..1999 to
 * shard 1, the rest to shard 2. Needs boundaries.length + 1 shards. Keeps ranges of keys together (good for
 * archiving old ranges), at the price of a hot last shard for ever-growing keys.
 */
export class RangeAlgorithm implements ShardingAlgorithm {
  readonly name = 'range';

  constructor(readonly boundaries: readonly (number | bigint | string)[]) {
    for (let i = 1; i < boundaries.length; i++) {
      if (compareValues(boundaries[i - 1], boundaries[i]) >= 0) {
        throw new StagesError('CONFIG_INVALID', 'range sharding boundaries must be strictly ascending');
      }
    }
  }

  shardFor(value: unknown, shardCount: number): number {
    if (shardCount !== this.boundaries.length + 1) {
      throw new StagesError(
        'CONFIG_INVALID',
        `range sharding with ${this.boundaries.length} boundaries needs ${this.boundaries.length + 1} shards, not ${shardCount}`,
      );
    }
    if (value === null || value === undefined) throw new StagesError('INVALID_ARGUMENT', 'range sharding key is null');
    let shard = 0;
    while (shard < this.boundaries.length && compareValues(value, this.boundaries[shard]) >= 0) shard++;
    return shard;
  }
}

/**
 * Maps a sharding key value to one of `shardCount` physical tables (numbered 0..shardCount-1 across all
 * databases). Must be pure and stable: the same value always lands on the same shard, in every process.
 */
export interface ShardingAlgorithm {
  readonly name: string;
  shardFor(value: unknown, shardCount: number): number;
}

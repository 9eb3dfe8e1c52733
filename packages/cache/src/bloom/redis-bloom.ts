import type { RedisClient } from '../stores/redis-client.js';
import { type BloomFilter, type BloomSizing, bitPositions, bloomSize } from './bloom-filter.js';

/**
 * A Bloom filter shared by every instance, kept in one Redis string with SETBIT/GETBIT (plain Redis, no
 * RedisBloom module needed). One lookup is one pipelined round trip of k GETBITs. The bit count and hash count
 * come from the sizing, so every instance must be built with the same sizing and key.
 */
export class RedisBloomFilter implements BloomFilter {
  readonly name = 'redis';
  readonly bits: number;
  readonly hashes: number;

  constructor(
    readonly client: RedisClient,
    readonly key: string,
    sizing: BloomSizing,
  ) {
    ({ bits: this.bits, hashes: this.hashes } = bloomSize(sizing));
  }

  async add(keys: string | readonly string[]): Promise<void> {
    const list = typeof keys === 'string' ? [keys] : keys;
    // Chunked so a bulk fill of millions of ids does not build one giant pipeline in memory.
    for (let start = 0; start < list.length; start += 1_000) {
      const pipeline = this.client.pipeline();
      for (const item of list.slice(start, start + 1_000)) {
        for (const bit of bitPositions(item, this.bits, this.hashes)) pipeline.setbit(this.key, bit, 1);
      }
      throwFirst(await pipeline.exec());
    }
  }

  async mightContain(item: string): Promise<boolean> {
    const pipeline = this.client.pipeline();
    for (const bit of bitPositions(item, this.bits, this.hashes)) pipeline.getbit(this.key, bit);
    const results = throwFirst(await pipeline.exec());
    return results.every(([, bit]) => bit === 1);
  }

  /** Drops every key (before a rebuild). */
  async clear(): Promise<void> {
    await this.client.del(this.key);
  }
}

type PipelineResult = [error: Error | null, result: unknown][];

function throwFirst(results: PipelineResult | null): PipelineResult {
  if (results === null) throw new Error('Redis pipeline was discarded');
  for (const [error] of results) if (error) throw error;
  return results;
}

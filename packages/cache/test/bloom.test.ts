import { describe, expect, it } from 'vitest';
import { bitPositions, bloomSize } from '../src/bloom/bloom-filter.js';
import { LocalBloomFilter } from '../src/bloom/local-bloom.js';

describe('Bloom filter', () => {
  it('sizes bits and hashes by the textbook formulas', () => {
    expect(bloomSize({ expectedItems: 1_000, falsePositiveRate: 0.01 })).toEqual({ bits: 9_586, hashes: 7 });
    expect(() => bloomSize({ expectedItems: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => bloomSize({ expectedItems: 10, falsePositiveRate: 1 })).toThrow();
  });

  it('places a key at the same bits every time (processes must agree)', () => {
    expect(bitPositions('user:42', 9_586, 7)).toEqual(bitPositions('user:42', 9_586, 7));
    expect(new Set(bitPositions('user:42', 9_586, 7)).size).toBeGreaterThan(1);
  });

  it('never rejects an added key and keeps false positives near the configured rate', async () => {
    const bloom = new LocalBloomFilter({ expectedItems: 10_000, falsePositiveRate: 0.01 });
    const added = Array.from({ length: 10_000 }, (_, i) => `product:${i}`);
    await bloom.add(added);
    for (const key of added) expect(bloom.mightContainSync(key)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 20_000; i++) if (bloom.mightContainSync(`product:${100_000 + i}`)) falsePositives++;
    expect(falsePositives / 20_000).toBeLessThan(0.02);
  });
});

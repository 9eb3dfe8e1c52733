import { describe, expect, it } from 'vitest';
import { grayMatches, stableBucket } from '../src/gray.js';

describe('gray rules', () => {
  it('matches by instance id, by tag, or by a stable share of ids', () => {
    const canary = { id: 'orders-1', tags: ['canary'] };
    const plain = { id: 'orders-2', tags: [] };
    expect(grayMatches({ tags: ['canary'] }, canary)).toBe(true);
    expect(grayMatches({ tags: ['canary'] }, plain)).toBe(false);
    expect(grayMatches({ instances: ['orders-2'] }, plain)).toBe(true);
    expect(grayMatches({ percentage: 100 }, plain)).toBe(true);
    expect(grayMatches({ percentage: 0 }, plain)).toBe(false);
  });

  it('puts about the asked share of instances in the gray group, the same ones every time', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `instance-${i}`);
    const share = ids.filter((id) => stableBucket(id) < 20).length / ids.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.25);
    expect(ids.map(stableBucket)).toEqual(ids.map(stableBucket));
  });
});

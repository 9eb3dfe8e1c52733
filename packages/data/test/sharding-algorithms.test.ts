import { describe, expect, it } from 'vitest';
import {
  HashModuloAlgorithm,
  ModuloAlgorithm,
  RangeAlgorithm,
  shardingAlgorithms,
  TimeMonthAlgorithm,
} from '../src/index.js';

describe('sharding algorithms', () => {
  it('modulo maps integer keys of any type to key mod n', () => {
    const m = new ModuloAlgorithm();
    expect([m.shardFor(13, 8), m.shardFor(13n, 8), m.shardFor('13', 8), m.shardFor(-3, 8)]).toEqual([5, 5, 5, 5]);
    expect(() => m.shardFor('abc', 8)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('hash-modulo is stable across key types and spreads snowflake-like ids', () => {
    const h = new HashModuloAlgorithm();
    expect(h.shardFor(42, 8)).toBe(h.shardFor(42n, 8));
    const counts = new Array(8).fill(0);
    // Ids whose low 12 bits are zero: plain modulo would put all of them on shard 0.
    for (let i = 0n; i < 8000n; i++) counts[h.shardFor((1_000_000n + i) << 22n, 8)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });

  it('range splits at boundaries and checks the shard count', () => {
    const r = new RangeAlgorithm([100, 200]);
    expect([r.shardFor(5, 3), r.shardFor(100, 3), r.shardFor(199, 3), r.shardFor(10_000, 3)]).toEqual([0, 1, 1, 2]);
    expect(() => r.shardFor(5, 4)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('time-month gives one shard per UTC month and refuses months outside', () => {
    const t = new TimeMonthAlgorithm('2026-01-01T00:00:00Z');
    expect(t.shardFor('2026-01-31T23:59:59Z', 12)).toBe(0);
    expect(t.shardFor(new Date('2026-02-01T00:00:00Z'), 12)).toBe(1);
    expect(t.shardFor(Date.UTC(2026, 11, 5), 12)).toBe(11);
    expect(t.tableSuffix(11)).toBe('202612');
    expect(t.tableSuffix(12)).toBe('202701');
    expect(() => t.shardFor('2027-01-01T00:00:00Z', 12)).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
  });

  it('resolves by name and by { type, options }; unknown names fail', () => {
    expect(shardingAlgorithms.resolve('modulo').name).toBe('modulo');
    expect(shardingAlgorithms.resolve({ type: 'range', options: { boundaries: [10] } }).shardFor(11, 2)).toBe(1);
    expect(() => shardingAlgorithms.resolve('nope')).toThrow(expect.objectContaining({ code: 'UNKNOWN_PLUGIN' }));
  });
});

import { describe, expect, it } from 'vitest';
import { effectiveWeight } from '../src/index.js';
import { instance } from './helpers.js';

describe('effectiveWeight (warm-up)', () => {
  const started = 1_000_000;
  const p = instance({ service: 's', weight: 100, startTime: started });

  it('ramps linearly from 1 to the declared weight over the warm-up', () => {
    expect(effectiveWeight(p, started, 10_000)).toBe(1);
    expect(effectiveWeight(p, started + 2_500, 10_000)).toBe(25);
    expect(effectiveWeight(p, started + 5_000, 10_000)).toBe(50);
    expect(effectiveWeight(p, started + 10_000, 10_000)).toBe(100);
    expect(effectiveWeight(p, started + 99_000, 10_000)).toBe(100);
  });

  it("prefers the provider's own metadata.warmupMs", () => {
    const own = { ...p, metadata: { warmupMs: '1000' } };
    expect(effectiveWeight(own, started + 500, 10_000)).toBe(50);
  });

  it('treats a start time in the future (clock skew) as just started, keeps 0 at 0, and 0 warm-up as none', () => {
    expect(effectiveWeight(p, started - 5_000, 10_000)).toBe(1);
    expect(effectiveWeight({ ...p, weight: 0 }, started + 5_000, 10_000)).toBe(0);
    expect(effectiveWeight(p, started, 0)).toBe(100);
  });
});

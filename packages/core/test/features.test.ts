import { bucketOf, Feature, Features, runWithContext, StagesError } from '@stages/core';
import { describe, expect, it } from 'vitest';
import { setActiveFeatures } from '../src/decorators/feature.js';

describe('Features', () => {
  it('reads on/off flags; unknown flags are off', () => {
    const f = new Features({ on: true, off: false });
    expect(f.isOn('on')).toBe(true);
    expect(f.isOn('off')).toBe(false);
    expect(f.isOn('missing')).toBe(false);
    expect(() => f.require('off')).toThrow(expect.objectContaining({ code: 'FEATURE_DISABLED' }));
  });

  it('rolls out to about the given share of callers, each caller always in the same bucket', () => {
    const f = new Features({ beta: { percent: 20 } });
    const callers = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    const on = callers.filter((caller) => f.isOn('beta', { caller }));
    expect(on.length / callers.length).toBeGreaterThan(0.15);
    expect(on.length / callers.length).toBeLessThan(0.25);
    for (const caller of callers.slice(0, 100)) expect(f.isOn('beta', { caller })).toBe(bucketOf('beta', caller) < 20);
    // Raising the percentage only adds callers: nobody who had the feature loses it.
    f.set({ beta: { percent: 50 } });
    for (const caller of on) expect(f.isOn('beta', { caller })).toBe(true);
    // A call without a caller gets a partial rollout only at 100%.
    expect(f.isOn('beta', {})).toBe(false);
    f.set({ beta: { percent: 100 } });
    expect(f.isOn('beta', {})).toBe(true);
  });

  it('uses the caller of the current call context by default', () => {
    const f = new Features({ beta: { percent: 50 } });
    const inside = Array.from({ length: 50 }, (_, i) => `u${i}`).find((caller) => bucketOf('beta', caller) < 50)!;
    expect(runWithContext({ caller: inside }, () => f.isOn('beta'))).toBe(true);
  });

  it('rejects an invalid table whole and keeps the old one', () => {
    const f = new Features({ a: true });
    expect(() => f.set({ a: { percent: 120 } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(f.isOn('a')).toBe(true);
  });
});

describe('@Feature', () => {
  class Checkout {
    @Feature('new-pricing', { fallback: 'oldPrice' })
    async price() {
      return 'new';
    }
    async oldPrice() {
      return 'old';
    }
    @Feature('express')
    async express() {
      return 'fast';
    }
  }

  it('runs the method when on, the fallback or FEATURE_DISABLED when off, following live changes', async () => {
    const features = new Features({ 'new-pricing': false, express: false });
    setActiveFeatures(features);
    try {
      const c = new Checkout();
      expect(await c.price()).toBe('old');
      const error = await c.express().catch((e: unknown) => e);
      expect(StagesError.is(error, 'FEATURE_DISABLED')).toBe(true);
      features.set({ 'new-pricing': true, express: true });
      expect(await c.price()).toBe('new');
      expect(await c.express()).toBe('fast');
    } finally {
      setActiveFeatures(undefined);
    }
  });
});

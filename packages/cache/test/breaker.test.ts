import { afterEach, describe, expect, it, vi } from 'vitest';
import { Breaker } from '../src/resilience/breaker.js';

describe('level-2 breaker', () => {
  afterEach(() => vi.useRealTimers());

  it('opens after consecutive failures, lets one trial through after resetMs, closes on its success', () => {
    vi.useFakeTimers({ now: 0 });
    const states: string[] = [];
    const breaker = new Breaker({ failureThreshold: 2, resetMs: 100, onStateChange: (s) => states.push(s) });
    breaker.failure(new Error('x'));
    expect(breaker.allow()).toBe(true);
    breaker.success(); // a success in between resets the count
    breaker.failure(new Error('x'));
    expect(breaker.state).toBe('closed');
    breaker.failure(new Error('x'));
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    vi.setSystemTime(100);
    expect(breaker.allow()).toBe(true); // the trial
    expect(breaker.allow()).toBe(false); // only one at a time
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('reopens when the trial fails', () => {
    vi.useFakeTimers({ now: 0 });
    const breaker = new Breaker({ failureThreshold: 1, resetMs: 50 });
    breaker.failure(new Error('x'));
    vi.setSystemTime(60);
    expect(breaker.allow()).toBe(true);
    breaker.failure(new Error('still down'));
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
  });
});

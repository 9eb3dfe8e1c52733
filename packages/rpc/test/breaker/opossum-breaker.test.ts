import { StagesError } from '@stages/common';
import CircuitBreaker from 'opossum';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BreakerState } from '../../src/breaker/breaker.js';
import { BreakerSet } from '../../src/breaker/breaker-set.js';
import { isHealthFailure } from '../../src/breaker/health-failure.js';
import { OpossumBreaker, OpossumBreakerFactory } from '../../src/breaker/opossum-breaker.js';
import { provider } from '../client/fakes.js';

const fail = (code: 'UNAVAILABLE' | 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'DEADLINE_EXCEEDED') => () =>
  Promise.reject(new StagesError(code, code));
const ok = () => Promise.resolve('ok');

describe('opossum breaker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('opens on provider failures, probes once when half-open, and closes on a good probe', async () => {
    const states: BreakerState[] = [];
    const b = new OpossumBreaker('catalog@p1', { volumeThreshold: 4, resetTimeoutMs: 1_000 }, (s) => states.push(s));
    await b.run(ok);
    for (let i = 0; i < 3; i++) await expect(b.run(fail('UNAVAILABLE'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(b.state).toBe('open');
    expect(b.allows()).toBe(false);
    await expect(b.run(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });

    vi.advanceTimersByTime(1_000);
    expect(b.state).toBe('half-open');
    expect(b.allows()).toBe(true);
    let release!: () => void;
    const probe = b.run(() => new Promise<string>((r) => (release = () => r('ok'))));
    expect(b.allows()).toBe(false); // one probe only
    await expect(b.run(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    release();
    await probe;
    expect(b.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
    b.shutdown();
  });

  it('opens after consecutive failures even when the window is full of successes', async () => {
    const b = new OpossumBreaker('p', { consecutiveFailures: 3 }, () => {});
    for (let i = 0; i < 100; i++) await b.run(ok);
    await expect(b.run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    await expect(b.run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    await b.run(ok); // a success resets the run
    await expect(b.run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    await expect(b.run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    expect(b.state).toBe('closed');
    await expect(b.run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    expect(b.state).toBe('open');
    b.shutdown();
  });

  it('ages failures out of the rolling window on its own bucket clock', async () => {
    // The breaker rotates opossum's window itself (to keep opossum from holding every call's latency): failures
    // older than the window must stop counting, or a provider would be judged on its past.
    const options = { volumeThreshold: 4, rollingWindowMs: 1_000, rollingBuckets: 4, consecutiveFailures: 0 };
    const b = new OpossumBreaker('p', options, () => {});
    for (let i = 0; i < 3; i++) await expect(b.run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    vi.advanceTimersByTime(1_000);
    await b.run(ok);
    await b.run(ok);
    await expect(b.run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    await expect(b.run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    expect(b.state).toBe('closed'); // 2 of 4 in the window: 50% is not over 50%; with the old three, 5 of 7
    await expect(b.run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    expect(b.state).toBe('open'); // 3 of 5
    b.shutdown();
  });

  it('counts calls through a closed breaker exactly as opossum’s own fire() does', async () => {
    // run() skips opossum's promise chain while the breaker is closed and emits the events its window counts:
    // the window must come out the same as when opossum runs the calls itself.
    const b = new OpossumBreaker('p', { volumeThreshold: 1_000, consecutiveFailures: 0 }, () => {});
    const reference = new CircuitBreaker((f: () => Promise<unknown>) => f(), {
      volumeThreshold: 1_000,
      rollingPercentilesEnabled: false,
      errorFilter: (e: unknown) => !isHealthFailure(e),
    });
    const sequence = [ok, fail('UNAVAILABLE'), ok, fail('NOT_FOUND'), fail('DEADLINE_EXCEEDED'), ok, ok];
    for (const call of sequence) {
      await b.run(call).catch(() => {});
      await reference.fire(call).catch(() => {});
    }
    const { fires, successes, failures } = reference.stats;
    expect(b.counts).toEqual({ fires, successes, failures });
    expect(b.counts).toEqual({ fires: 7, successes: 5, failures: 2 });
    reference.shutdown();
    b.shutdown();
  });

  it('opens a closed breaker on the error rate once the volume threshold is reached, as opossum does', async () => {
    const b = new OpossumBreaker('p', { volumeThreshold: 6, consecutiveFailures: 0 }, () => {});
    for (let i = 0; i < 3; i++) await b.run(ok);
    for (let i = 0; i < 2; i++) await expect(b.run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    expect(b.state).toBe('closed'); // 5 calls: under the volume threshold, whatever the rate
    await expect(b.run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    expect(b.state).toBe('closed'); // 3 of 6: 50% is not over 50%
    await expect(b.run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    expect(b.state).toBe('open'); // 4 of 7
    await expect(b.run(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    b.shutdown();
  });

  it('reopens when the half-open probe fails', async () => {
    const b = new OpossumBreaker('p', { volumeThreshold: 1, resetTimeoutMs: 500 }, () => {});
    await expect(b.run(fail('DEADLINE_EXCEEDED'))).rejects.toBeTruthy();
    expect(b.state).toBe('open');
    vi.advanceTimersByTime(500);
    await expect(b.run(fail('UNAVAILABLE'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(b.state).toBe('open');
    b.shutdown();
  });

  it('does not count the caller’s own errors (INVALID_ARGUMENT, NOT_FOUND) against the provider', async () => {
    const b = new OpossumBreaker('p', { volumeThreshold: 2, consecutiveFailures: 3 }, () => {});
    for (let i = 0; i < 20; i++) {
      await expect(b.run(i % 2 ? fail('INVALID_ARGUMENT') : fail('NOT_FOUND'))).rejects.toBeTruthy();
    }
    expect(b.state).toBe('closed');
    b.shutdown();
  });
});

describe('client bulkhead', () => {
  it('refuses a call over maxConcurrent with RESOURCE_EXHAUSTED, unsent, without counting it against the provider', async () => {
    const b = new OpossumBreaker('p', { maxConcurrent: 2, consecutiveFailures: 1, volumeThreshold: 1 }, () => {});
    const release: (() => void)[] = [];
    const slow = () => new Promise<string>((r) => release.push(() => r('ok')));
    const running = [b.run(slow), b.run(slow)];
    const error = await b.run(ok).catch((e: StagesError) => e);
    expect(error).toMatchObject({ code: 'RESOURCE_EXHAUSTED', details: { bulkhead: true, sent: false } });
    expect(b.state).toBe('closed');
    for (const r of release) r();
    await Promise.all(running);
    await expect(b.run(ok)).resolves.toBe('ok');
    b.shutdown();
  });
});

describe('breaker set', () => {
  it('keeps one breaker per provider, emits state events and explains an open one', async () => {
    const set = new BreakerSet('catalog', new OpossumBreakerFactory({ volumeThreshold: 1 }));
    const p1 = provider('p1');
    const p2 = provider('p2');
    const events: string[] = [];
    set.on('state', (e) => events.push(`${e.providerId}:${e.state}`));
    await expect(set.get(p1).run(fail('UNAVAILABLE'))).rejects.toBeTruthy();
    expect(set.get(p1)).toBe(set.get(p1));
    expect(set.allows(p1)).toBe(false);
    expect(set.allows(p2)).toBe(true);
    expect(set.describe(p1)).toMatch(/^circuit breaker open for \d+ ms$/);
    expect(events).toEqual(['p1:open']);
    set.forget('p1');
    expect(set.stateOf('p1')).toBe('closed');
    set.close();
  });
});

import { describe, expect, it } from 'vitest';
import type { CallInfo } from '../../src/balancing/balancer.js';
import { ConsistentHashBalancer } from '../../src/balancing/consistent-hash.js';
import { LatencyAwareBalancer } from '../../src/balancing/latency-aware.js';
import { LeastActiveBalancer } from '../../src/balancing/least-active.js';
import { balancers } from '../../src/balancing/resolve.js';
import { RoundRobinBalancer } from '../../src/balancing/round-robin.js';
import { effectiveWeight } from '../../src/balancing/weight.js';
import { WeightedRandomBalancer } from '../../src/balancing/weighted-random.js';
import { provider, seeded } from '../client/fakes.js';

const call = (hashKey?: string): CallInfo => ({
  service: 'catalog',
  method: 'get',
  payload: {},
  tags: [],
  ...(hashKey === undefined ? {} : { hashKey }),
});

function tally(pick: () => string | undefined, n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = pick() ?? 'none';
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe('weighted random', () => {
  it('picks in proportion to weight', () => {
    const list = [provider('a', { weight: 300 }), provider('b', { weight: 100 })];
    const b = new WeightedRandomBalancer({ random: seeded() });
    const counts = tally(() => b.pick(list)?.id, 20_000);
    expect(counts.a! / 20_000).toBeGreaterThan(0.72);
    expect(counts.a! / 20_000).toBeLessThan(0.78);
  });

  it('gives a provider still warming up a smaller share', () => {
    const now = Date.now();
    const old = provider('old', { startTime: now - 3_600_000 });
    const fresh = provider('fresh', { startTime: now - 6_000 }); // 10% into a 60 s warm-up
    expect(effectiveWeight(fresh, now)).toBe(10);
    const b = new WeightedRandomBalancer({ random: seeded(7) });
    const counts = tally(() => b.pick([old, fresh])?.id, 11_000);
    expect(counts.fresh! / 11_000).toBeGreaterThan(0.06);
    expect(counts.fresh! / 11_000).toBeLessThan(0.12);
  });
});

describe('smooth weighted round-robin', () => {
  it('interleaves 5:1:1 the nginx way instead of bursting', () => {
    const list = [provider('a', { weight: 5 }), provider('b', { weight: 1 }), provider('c', { weight: 1 })];
    const b = new RoundRobinBalancer();
    const seq = Array.from({ length: 14 }, () => b.pick(list)?.id).join('');
    expect(seq).toBe('aabacaaaabacaa');
  });

  it('rotates evenly over equal weights and survives a list change', () => {
    const b = new RoundRobinBalancer();
    const list = [provider('a'), provider('b'), provider('c')];
    expect(tally(() => b.pick(list)?.id, 300)).toEqual({ a: 100, b: 100, c: 100 });
    const shorter = list.slice(1);
    expect(tally(() => b.pick(shorter)?.id, 100)).toEqual({ b: 50, c: 50 });
  });
});

describe('least active', () => {
  it('sends to the provider with the fewest calls in flight, ties to the heavier', () => {
    const a = provider('a', { weight: 100 });
    const b = provider('b', { weight: 200 });
    const bal = new LeastActiveBalancer({ random: seeded() });
    expect(bal.pick([a, b])?.id).toBe('b'); // tie at 0: heavier wins
    expect(bal.pick([a, b])?.id).toBe('a'); // b has 1 in flight
    expect(bal.pick([a, b])?.id).toBe('b'); // tie at 1
    bal.observe(b);
    bal.observe(b);
    expect(bal.active('b')).toBe(0);
    expect(bal.pick([a, b])?.id).toBe('b');
  });
});

describe('consistent hash', () => {
  it('sends the same key to the same provider', () => {
    const list = [provider('a'), provider('b'), provider('c')];
    const bal = new ConsistentHashBalancer();
    for (let k = 0; k < 200; k++) {
      const first = bal.pick(list, call(`user-${k}`))?.id;
      expect(bal.pick([...list].reverse(), call(`user-${k}`))?.id).toBe(first);
    }
  });

  it('moves about 1/N of the keys when a provider is added, all of them to the new one', () => {
    const three = [provider('a'), provider('b'), provider('c')];
    const four = [...three, provider('d')];
    const bal = new ConsistentHashBalancer({ virtualNodes: 160 });
    const keys = Array.from({ length: 20_000 }, (_, i) => `order-${i}`);
    const before = keys.map((k) => bal.pick(three, call(k))?.id);
    const after = keys.map((k) => bal.pick(four, call(k))?.id);
    let moved = 0;
    for (let i = 0; i < keys.length; i++) {
      if (before[i] !== after[i]) {
        moved++;
        expect(after[i]).toBe('d');
      }
    }
    const share = moved / keys.length;
    // Ideal is 1/4; 160 virtual nodes keep it within a few points.
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.32);
    const spread = tally(() => undefined, 0);
    for (const id of after) spread[id!] = (spread[id!] ?? 0) + 1;
    for (const id of ['a', 'b', 'c', 'd']) expect(spread[id]! / keys.length).toBeGreaterThan(0.17);
  });
});

describe('latency aware (P2C over EWMA)', () => {
  it('moves traffic off a slow provider, and tries it again after the average decays', () => {
    let now = 1_000_000;
    const bal = new LatencyAwareBalancer({ random: seeded(3), now: () => now, decayMs: 10_000 });
    const list = [provider('fast1'), provider('fast2'), provider('slow')];
    const latency: Record<string, number> = { fast1: 5, fast2: 5, slow: 200 };
    const counts: Record<string, number> = {};
    for (let i = 0; i < 3_000; i++) {
      const p = bal.pick(list)!;
      counts[p.id] = (counts[p.id] ?? 0) + 1;
      now += 1;
      bal.observe(p, { ok: true, durationMs: latency[p.id]! });
    }
    expect(counts.slow! / 3_000).toBeLessThan(0.05);
    const slow = list[2]!;
    const costNow = bal.cost(slow, now);
    expect(bal.cost(slow, now + 60_000)).toBeLessThan(costNow / 50);
  });

  it('charges a failure as a slow call', () => {
    const bal = new LatencyAwareBalancer({ failurePenaltyMs: 1_000 });
    const p = provider('x');
    bal.pick([p]);
    bal.observe(p, { ok: false, durationMs: 1 });
    expect(bal.cost(p)).toBeGreaterThan(900);
  });
});

describe('balancer resolver', () => {
  it('resolves names and specs, and rejects unknown names with UNKNOWN_PLUGIN', () => {
    expect(balancers.resolve('round-robin').name).toBe('round-robin');
    expect(balancers.resolve({ type: 'consistent-hash', options: { virtualNodes: 40 } }).name).toBe('consistent-hash');
    expect(() => balancers.resolve('nope')).toThrowError(expect.objectContaining({ code: 'UNKNOWN_PLUGIN' }));
  });
});

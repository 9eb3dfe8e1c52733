import { describe, expect, it } from 'vitest';
import { jitterTtl } from '../src/protection/jitter.js';
import { SingleFlight } from '../src/protection/single-flight.js';
import { LocalStore } from '../src/stores/local-store.js';

describe('LocalStore', () => {
  it('evicts the least recently used entry past maxEntries and reports it', async () => {
    const evicted: string[] = [];
    const store = new LocalStore<string>({ maxEntries: 2, onEvict: (key) => evicted.push(key) });
    await store.set('a', '1', 10_000);
    await store.set('b', '2', 10_000);
    await store.get('a');
    await store.set('c', '3', 10_000);
    expect(evicted).toEqual(['b']);
    expect(await store.getMany(['a', 'b', 'c'])).toEqual(['1', undefined, '3']);
  });

  it('bounds the summed size by maxBytes', () => {
    const store = new LocalStore<string>({ maxBytes: 100 });
    for (let i = 0; i < 10; i++) store.setSync(`k${i}`, 'x'.repeat(30), 10_000);
    expect(store.bytes).toBeLessThanOrEqual(100);
    expect(store.size).toBe(3);
    store.setSync('huge', 'x'.repeat(500), 10_000); // larger than the bound: not stored
    expect(store.getSync('huge')).toBeUndefined();
  });

  it('can take each entry expiry from the value instead of lru-cache TTL tracking', () => {
    const store = new LocalStore<{ expiresAt: number }>({ expiresAt: (v) => v.expiresAt });
    store.setSync('live', { expiresAt: Date.now() + 60_000 }, 0);
    store.setSync('dead', { expiresAt: Date.now() - 1 }, 60_000); // the value's expiry wins over ttlMs
    expect(store.getSync('live')).toBeDefined();
    expect(store.getSync('dead')).toBeUndefined();
    expect(store.size).toBe(1); // an expired entry found on read is dropped
  });

  it('rejects nonsense bounds with a coded error', () => {
    expect(() => new LocalStore({ maxEntries: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new LocalStore({ maxBytes: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('single flight and jitter', () => {
  it('shares one run among concurrent callers and starts a new one afterwards', async () => {
    const flight = new SingleFlight();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const work = () =>
      flight.run('k', async () => {
        await gate;
        return ++runs;
      });
    const results = Promise.all([work(), work(), work()]);
    release();
    expect(await results).toEqual([1, 1, 1]);
    expect(await work()).toBe(2);
  });

  it('spreads TTLs over [ttl, ttl * (1 + ratio)]', () => {
    expect(jitterTtl(1000, 0.2, () => 0)).toBe(1000);
    expect(jitterTtl(1000, 0.2, () => 0.999)).toBe(1200);
    expect(jitterTtl(1000, 0, () => 0.5)).toBe(1000);
  });
});

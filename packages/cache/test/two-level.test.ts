import { describe, expect, it } from 'vitest';
import { LocalBloomFilter } from '../src/bloom/local-bloom.js';
import { LocalStore } from '../src/stores/local-store.js';
import type { CacheStore } from '../src/stores/store.js';
import { TwoLevelCache } from '../src/two-level.js';

function counter<T>(value: (key: string) => T) {
  const calls: string[] = [];
  const load = (key: string) => async () => {
    calls.push(key);
    return value(key);
  };
  return { calls, load };
}

describe('TwoLevelCache (level 2 stood in by a LocalStore)', () => {
  it('answers from level 1, else level 2 (filling level 1), else the loader (filling both)', async () => {
    const shared = new LocalStore<string>();
    const a = new TwoLevelCache({ l2: shared });
    const b = new TwoLevelCache({ l2: shared });
    const { calls, load } = counter((key) => ({ id: key }));

    expect(await a.getOrLoad('1', load('1'))).toEqual({ id: '1' });
    expect(await a.getOrLoad('1', load('1'))).toEqual({ id: '1' });
    expect(a.stats()).toMatchObject({ loads: 1, l1Hits: 1, l2Misses: 1 });
    expect(await shared.get('default:v1:1')).toMatch(/^v\d+\|\{"id":"1"\}$/);

    expect(await b.getOrLoad('1', load('1'))).toEqual({ id: '1' });
    expect(b.stats()).toMatchObject({ loads: 0, l2Hits: 1 });
    expect(b.peek('1')).toEqual({ id: '1' });
    expect(calls).toEqual(['1']);
  });

  it('calls the loader once for concurrent misses of one key', async () => {
    const cache = new TwoLevelCache({ l2: new LocalStore<string>() });
    const { calls, load } = counter(() => 'v');
    const results = await Promise.all(Array.from({ length: 200 }, () => cache.getOrLoad('hot', load('hot'))));
    expect(new Set(results)).toEqual(new Set(['v']));
    expect(calls).toHaveLength(1);
  });

  it('does not load again when a level-2 miss arrives after another load of the key has finished', async () => {
    for (const l1 of [undefined, false as const]) {
      const data = new Map<string, string>();
      const gets: ((value: string | undefined) => void)[] = [];
      const slow: CacheStore = {
        name: 'slow',
        // Each GET reads when sent (as Redis does) and is answered when the test says; SET lands at once.
        get: (key) => {
          const value = data.get(key);
          return new Promise((resolve) => gets.push(() => resolve(value)));
        },
        set: async (key, value) => void data.set(key, value),
        delete: async (key) => void data.delete(key),
      };
      const cache = new TwoLevelCache({ l2: slow, ...(l1 === false ? { l1 } : {}) });
      const { calls, load } = counter(() => 'v');
      const first = cache.getOrLoad('k', load('k'));
      const second = cache.getOrLoad('k', load('k')); // its GET is sent now, answered after the first load
      await Promise.resolve();
      gets.shift()!(undefined); // first GET: miss -> load -> store
      await new Promise((resolve) => setTimeout(resolve, 5));
      gets.shift()!(undefined); // second GET answered late, still "miss"
      if (l1 === false) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        gets.shift()!(undefined); // its re-read inside the flight sees the stored value
      }
      expect(await Promise.all([first, second])).toEqual(['v', 'v']);
      expect(calls).toHaveLength(1);
    }
  });

  it('remembers absent values for absentTtlMs, and not at all when it is 0', async () => {
    const cache = new TwoLevelCache({ l2: new LocalStore<string>() });
    const { calls, load } = counter(() => null);
    expect(await cache.getOrLoad('ghost', load('ghost'))).toBeUndefined();
    expect(await cache.getOrLoad('ghost', load('ghost'))).toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(cache.stats().absentHits).toBe(1);
    await cache.getOrLoad('ghost2', load('ghost2'), { absentTtlMs: 0 });
    await cache.getOrLoad('ghost2', load('ghost2'), { absentTtlMs: 0 });
    expect(calls.filter((k) => k === 'ghost2')).toHaveLength(2);
  });

  it('passes loader errors to the caller and caches nothing', async () => {
    const cache = new TwoLevelCache({});
    await expect(cache.getOrLoad('x', async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.getOrLoad('x', async () => 'ok')).toBe('ok');
    expect(cache.stats()).toMatchObject({ loads: 2, loadErrors: 1 });
  });

  it('turns away keys the Bloom filter has never seen, without calling the loader', async () => {
    const cache = new TwoLevelCache({ bloom: new LocalBloomFilter({ expectedItems: 1_000 }) });
    await cache.addKnown(['1', '2']);
    const { calls, load } = counter((key) => ({ id: key }));
    expect(await cache.getOrLoad('1', load('1'))).toEqual({ id: '1' });
    for (let i = 1_000; i < 1_100; i++) expect(await cache.getOrLoad(String(i), load(String(i)))).toBeUndefined();
    expect(calls.length).toBeLessThanOrEqual(1 + 5); // '1' plus at most a few false positives
    expect(cache.stats().bloomRejects).toBeGreaterThanOrEqual(95);
  });

  it('serves a stale value while one background refresh runs (stale-while-revalidate)', async () => {
    const cache = new TwoLevelCache({ l2: new LocalStore<string>(), jitter: 0 });
    let version = 0;
    const loader = async () => {
      version++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return version;
    };
    expect(await cache.getOrLoad('k', loader, { ttlMs: 5, staleMs: 60_000 })).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 10)); // past the TTL, inside the stale window
    const served = await Promise.all(
      Array.from({ length: 20 }, () => cache.getOrLoad('k', loader, { ttlMs: 5, staleMs: 60_000 })),
    );
    expect(new Set(served)).toEqual(new Set([1])); // nobody waited for the refresh
    for (let waited = 0; cache.peek('k') !== 2 && waited < 5_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(cache.peek('k')).toBe(2);
    expect(version).toBe(2); // exactly one refresh for the twenty stale reads
    expect(cache.stats().staleServed).toBeGreaterThanOrEqual(20);
  });

  it('keeps namespaces apart, and a version bump hides every old key', async () => {
    const l2 = new LocalStore<string>();
    const cache = new TwoLevelCache({ l2 });
    const users = cache.namespace('user', { version: 3 });
    await users.set('1', 'ann');
    expect(await l2.get('user:v3:1')).toMatch(/\|"ann"$/);
    expect(await cache.get('1')).toBeUndefined();
    expect(await users.bumpVersion()).toBe(4);
    expect(await users.get('1')).toBeUndefined();
    expect(() => cache.namespace('bad name')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('serves from the loader with no error when level 2 fails, and stops calling it once the breaker opens', async () => {
    let l2Calls = 0;
    const broken: CacheStore = {
      name: 'broken',
      get: async () => {
        l2Calls++;
        throw new Error('ECONNREFUSED');
      },
      set: async () => {
        l2Calls++;
        throw new Error('ECONNREFUSED');
      },
      delete: async () => {
        l2Calls++;
        throw new Error('ECONNREFUSED');
      },
    };
    const cache = new TwoLevelCache({ l2: broken, l1: false, breaker: { failureThreshold: 3, resetMs: 60_000 } });
    for (let i = 0; i < 50; i++) expect(await cache.getOrLoad(`k${i}`, async () => i)).toBe(i);
    expect(cache.l2State).toBe('open');
    expect(l2Calls).toBe(3);
    expect(cache.stats()).toMatchObject({ loads: 50, l2Errors: 3 });
    await expect(cache.invalidate('k1')).resolves.toBeUndefined();
  });

  it('bounds level 1 by bytes (serialised size) and counts evictions', async () => {
    const cache = new TwoLevelCache({ l1: { maxBytes: 200 } });
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, { text: 'x'.repeat(40) }); // ~51 bytes each
    expect(cache.l1Size().bytes).toBeLessThanOrEqual(200);
    expect(cache.l1Size().entries).toBe(3);
    expect(cache.stats().evictions).toBe(7);
    expect(cache.peek('k9')).toEqual({ text: 'x'.repeat(40) });
    expect(cache.peek('k0')).toBeUndefined();
  });

  it('rejects bad options with coded errors', () => {
    expect(() => new TwoLevelCache({ ttlMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new TwoLevelCache({ jitter: 2 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new TwoLevelCache({ lock: true })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

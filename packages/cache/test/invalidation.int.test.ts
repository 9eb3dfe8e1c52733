import { type RedisCluster, startRedis } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwoLevelCache } from '../src/two-level.js';

// Four cache instances, each with its own Redis connections (as four app instances would have).
describe('invalidation across instances (real Redis pub/sub)', () => {
  let redis: RedisCluster;
  let caches: TwoLevelCache[];
  const db = new Map<string, string>();
  const load = (id: string) => async () => db.get(id);

  beforeAll(async () => {
    redis = await startRedis();
    caches = await Promise.all(
      Array.from({ length: 4 }, () => TwoLevelCache.create({ redis: { url: redis.primary.url }, namespace: 'user' })),
    );
  });
  afterAll(async () => {
    await Promise.all((caches ?? []).map((cache) => cache.close()));
    await redis?.stop();
  });

  it('a write on one instance drops the level-1 copy on the three others; the delay is measured', async () => {
    const [writer, ...others] = caches as [TwoLevelCache, ...TwoLevelCache[]];
    const delays: number[] = [];
    for (let round = 0; round < 50; round++) {
      const id = `u${round}`;
      db.set(id, 'old');
      for (const cache of caches) expect(await cache.getOrLoad(id, load(id))).toBe('old');
      for (const cache of others) expect(cache.peek(id)).toBe('old');

      const dropped = others.map(
        (cache) =>
          new Promise<number>((resolve) => {
            const off = cache.onInvalidation((event) => {
              if (!event.keys.includes(id)) return;
              off();
              resolve(performance.now());
            });
          }),
      );
      db.set(id, 'new'); // change the database, then invalidate
      const sent = performance.now();
      await writer.invalidate(id);
      for (const at of await Promise.all(dropped)) delays.push(at - sent);
      for (const cache of others) {
        expect(cache.peek(id)).toBeUndefined();
        expect(await cache.getOrLoad(id, load(id))).toBe('new');
      }
    }
    delays.sort((a, b) => a - b);
    const p = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]!.toFixed(2);
    console.log(`invalidation delay over ${delays.length} drops: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms`);
    expect(delays).toHaveLength(150);
  });

  it('a delayed second delete removes a stale value written back by a racing reader', async () => {
    const [writer, racer] = caches as [TwoLevelCache, TwoLevelCache];
    db.set('r1', 'new');
    await writer.invalidate('r1', { delayedDeleteMs: 100 });
    await racer.set('r1', 'old'); // a reader that read the old row before the write, and stored it after our delete
    expect(await writer.get('r1')).toBe('old');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(racer.peek('r1')).toBeUndefined();
    expect(await writer.getOrLoad('r1', load('r1'))).toBe('new');
  });

  it('bumping a namespace version invalidates the whole namespace on every instance', async () => {
    const views = caches.map((cache) => cache.namespace('catalog', { version: 3 }));
    await views[0]!.set('a', 1);
    expect(await views[1]!.get('a')).toBe(1);
    const seen = new Promise<void>((resolve) =>
      caches[3]!.onInvalidation((e) => e.namespace === 'catalog' && e.bumped === true && resolve()),
    );
    expect(await views[0]!.bumpVersion()).toBe(4);
    await seen;
    for (const view of views) {
      expect(view.version).toBe(4);
      expect(await view.get('a')).toBeUndefined();
    }
    // A new instance learns the bumped version from Redis.
    const late = await TwoLevelCache.create({ redis: { url: redis.primary.url }, namespace: 'catalog', version: 3 });
    expect(late.version).toBe(4);
    await late.close();
  });
});

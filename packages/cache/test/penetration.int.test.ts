import { type RedisCluster, startRedis } from '@stages/test-harness';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBloomFilter } from '../src/bloom/redis-bloom.js';
import { RedisStore } from '../src/stores/redis-store.js';
import { TwoLevelCache } from '../src/two-level.js';

// A scan of ids that do not exist (an attacker or a buggy client) must not reach the database.
describe('penetration guards (real Redis)', () => {
  let redis: RedisCluster;
  let client: Redis;
  const existing = Array.from({ length: 1_000 }, (_, i) => String(i));
  const scan = Array.from({ length: 2_000 }, (_, i) => String(1_000_000 + i));

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.primary.url);
  });
  afterAll(async () => {
    await client?.quit();
    await redis?.stop();
  });

  function database() {
    let queries = 0;
    const rows = new Set(existing);
    return {
      queries: () => queries,
      find: (id: string) => async () => {
        queries++;
        return rows.has(id) ? { id } : null;
      },
    };
  }

  it('absent caching: a repeated scan reaches the loader only on its first pass, on any instance', async () => {
    const db = database();
    const a = await TwoLevelCache.create({ redis: { url: redis.primary.url }, namespace: 'absent' });
    const b = await TwoLevelCache.create({ redis: { url: redis.primary.url }, namespace: 'absent' });
    for (const id of scan) expect(await a.getOrLoad(id, db.find(id))).toBeUndefined();
    expect(db.queries()).toBe(scan.length);
    for (const id of scan) expect(await a.getOrLoad(id, db.find(id))).toBeUndefined();
    for (const id of scan) expect(await b.getOrLoad(id, db.find(id))).toBeUndefined(); // via level 2's marker
    expect(db.queries()).toBe(scan.length);
    expect(b.stats().absentHits).toBe(scan.length);
    expect(await client.get(`absent:v1:${scan[0]}`)).toMatch(/^a\d+\|$/);
    expect(await client.pttl(`absent:v1:${scan[0]}`)).toBeLessThanOrEqual(30_000);
    await Promise.all([a.close(), b.close()]);
  });

  it('Redis Bloom filter: a first-time scan of unknown ids never reaches the loader (beyond false positives)', async () => {
    const db = database();
    const bloomClient = new Redis(redis.primary.url);
    const bloom = new RedisBloomFilter(bloomClient, 'bloom:product', {
      expectedItems: 10_000,
      falsePositiveRate: 0.01,
    });
    const writer = await TwoLevelCache.create({ redis: { url: redis.primary.url }, namespace: 'product', bloom });
    await writer.addKnown(existing);
    // Another instance with its own filter object over the same Redis key sees the same known ids.
    const reader = await TwoLevelCache.create({
      redis: { url: redis.primary.url },
      namespace: 'product',
      bloom: new RedisBloomFilter(bloomClient, 'bloom:product', { expectedItems: 10_000, falsePositiveRate: 0.01 }),
    });
    for (const id of scan) expect(await reader.getOrLoad(id, db.find(id))).toBeUndefined();
    const leaked = db.queries();
    console.log(`Bloom filter: ${leaked} of ${scan.length} unknown ids reached the loader (false positives)`);
    expect(leaked).toBeLessThan(scan.length * 0.02);
    expect(reader.stats().bloomRejects).toBe(scan.length - leaked);
    for (const id of existing.slice(0, 50)) expect(await reader.getOrLoad(id, db.find(id))).toEqual({ id });
    expect((await client.strlen('bloom:product')) * 8).toBeGreaterThanOrEqual(bloom.bits - 8);
    await Promise.all([writer.close(), reader.close(), bloomClient.quit()]);
  });
});

describe('RedisStore and RedisLock (real Redis)', () => {
  let redis: RedisCluster;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('stores with a TTL, batches, and deletes', async () => {
    const store = await RedisStore.connect({ url: redis.primary.url });
    await store.set('a', '1', 60_000);
    await store.set('b', '2', 60_000);
    expect(await store.getMany(['a', 'b', 'c'])).toEqual(['1', '2', undefined]);
    expect(await store.client.pttl('a')).toBeGreaterThan(59_000);
    await store.deleteMany(['a', 'b']);
    expect(await store.get('a')).toBeNull(); // the contract allows null: the client's own reply, unwrapped by nobody
    await store.close();
  });

  it("the lock admits one holder, and a stale holder cannot release the next holder's lock", async () => {
    const { RedisLock } = await import('../src/protection/redis-lock.js');
    const store = await RedisStore.connect({ url: redis.primary.url });
    const lock = new RedisLock(store.client, { ttlMs: 50 });
    const first = await lock.tryAcquire('lock:x');
    expect(first).toBeTypeOf('string');
    expect(await lock.tryAcquire('lock:x')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 80)); // first holder outlived its lease
    const second = await lock.tryAcquire('lock:x');
    expect(second).toBeTypeOf('string');
    expect(await lock.release('lock:x', first!)).toBe(false);
    expect(await store.client.get('lock:x')).toBe(second);
    expect(await lock.release('lock:x', second!)).toBe(true);
    await store.close();
  });
});

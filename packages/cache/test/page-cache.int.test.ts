import { type RedisCluster, startRedis } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PageCache } from '../src/page/page-cache.js';
import { TwoLevelCache } from '../src/two-level.js';

// Two gateway instances in front of one page: rendered once, served by both, invalidated for both.
describe('PageCache on real Redis', () => {
  let redis: RedisCluster;
  let caches: TwoLevelCache[];

  beforeAll(async () => {
    redis = await startRedis();
    caches = await Promise.all([0, 1].map(() => TwoLevelCache.create({ redis: { url: redis.primary.url } })));
  });
  afterAll(async () => {
    await Promise.all((caches ?? []).map((cache) => cache.close()));
    await redis?.stop();
  });

  it('renders a page once for all instances, per vary value, until it is invalidated', async () => {
    const [a, b] = caches.map((cache) => new PageCache(cache.namespace('page'), { vary: ['accept-language'] })) as [
      PageCache,
      PageCache,
    ];
    let renders = 0;
    const render = async () => ({
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: `<h1>${++renders}</h1>`,
    });
    const en = { url: '/products?page=2', headers: { 'accept-language': 'en' } };

    expect(await a.getOrRender(en, render)).toMatchObject({ hit: false, body: '<h1>1</h1>' });
    expect(await b.getOrRender(en, render)).toMatchObject({ hit: true, body: '<h1>1</h1>' }); // from Redis
    expect(await b.getOrRender({ ...en, headers: { 'accept-language': 'fr' } }, render)).toMatchObject({
      hit: false,
      body: '<h1>2</h1>',
    });

    const dropped = new Promise<void>((resolve) => caches[1]!.onInvalidation(() => resolve()));
    await a.invalidate(en);
    await dropped;
    expect(await b.getOrRender(en, render)).toMatchObject({ hit: false, body: '<h1>3</h1>' });
  });
});

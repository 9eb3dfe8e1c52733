import { describe, expect, it } from 'vitest';
import { Cacheable, CacheEvict, cacheMetadata } from '../src/decorators.js';
import { PageCache } from '../src/page/page-cache.js';
import { TwoLevelCache } from '../src/two-level.js';

describe('PageCache', () => {
  it('caches a page per URL and vary header, and only cacheable statuses', async () => {
    const pages = new PageCache(new TwoLevelCache({}).namespace('page'), { vary: ['Accept-Language'] });
    let renders = 0;
    const render =
      (lang: string, status = 200) =>
      async () => ({ status, body: `<p>${lang} ${++renders}</p>` });
    const en = { url: '/home', headers: { 'accept-language': 'en' } };
    const de = { url: '/home', headers: { 'Accept-Language': 'de' } };

    expect(await pages.getOrRender(en, render('en'))).toMatchObject({ body: '<p>en 1</p>', hit: false });
    expect(await pages.getOrRender(en, render('en'))).toMatchObject({ body: '<p>en 1</p>', hit: true });
    expect(await pages.getOrRender(de, render('de'))).toMatchObject({ body: '<p>de 2</p>', hit: false });

    await pages.getOrRender({ url: '/oops' }, render('x', 500));
    expect(await pages.getOrRender({ url: '/oops' }, render('x', 500))).toMatchObject({ hit: false });

    const authed = { url: '/home', headers: { 'accept-language': 'en', authorization: 'Bearer t' } };
    expect(await pages.getOrRender(authed, render('me'))).toMatchObject({
      hit: false,
      body: expect.stringContaining('me'),
    });
    expect(await pages.getOrRender({ method: 'POST', url: '/home' }, render('post'))).toMatchObject({ hit: false });

    await pages.invalidate(en);
    expect(await pages.getOrRender(en, render('en'))).toMatchObject({ hit: false });
    expect(pages.key({ url: `/${'x'.repeat(300)}` })).toMatch(/^h:/);
  });
});

describe('@Cacheable / @CacheEvict', () => {
  const cache = new TwoLevelCache({});

  class UserService {
    reads = 0;
    readonly cache = cache.namespace('user');

    @Cacheable({ cache: (self: UserService) => self.cache, key: (id: string) => id })
    async find(id: string) {
      this.reads++;
      return { id, reads: this.reads };
    }

    @CacheEvict({ cache: (self: UserService) => self.cache, key: (id: string) => id })
    async rename(_id: string, _name: string) {
      return true;
    }
  }

  it('caches by the key from the arguments, evicts after the write, and records metadata', async () => {
    const service = new UserService();
    await service.find('1');
    await service.find('1');
    expect(service.reads).toBe(1);
    expect(await service.rename('1', 'x')).toBe(true);
    expect(await service.find('1')).toEqual({ id: '1', reads: 2 });
    expect(cacheMetadata(UserService.prototype)).toEqual([
      { method: 'find', kind: 'cacheable' },
      { method: 'rename', kind: 'evict' },
    ]);
  });
});

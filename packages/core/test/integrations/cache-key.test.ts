import { Cacheable, TwoLevelCache } from '@stages/core';
import { afterAll, describe, expect, it } from 'vitest';

describe('core @Cacheable default key', () => {
  const cache = new TwoLevelCache({});
  afterAll(() => cache.close());
  let runs = 0;

  class Search {
    @Cacheable({ cache })
    async find(req: { q: string; page?: number; at?: Date }, extra?: string) {
      runs++;
      return { ...req, extra };
    }
  }

  it('is the request as JSON with sorted keys, so field order does not split entries', async () => {
    const search = new Search();
    await search.find({ q: 'lamp', page: 2 });
    await search.find({ page: 2, q: 'lamp' } as { q: string; page: number });
    expect(runs).toBe(1);
    expect(cache.peek('{"page":2,"q":"lamp"}')).toEqual({ q: 'lamp', page: 2 });
  });

  it('joins several arguments with ":" and tells different requests apart', async () => {
    const search = new Search();
    const at = new Date(0);
    await search.find({ q: 'lamp', at }, 'x');
    await search.find({ q: 'desk' });
    expect(cache.peek('{"at":"1970-01-01T00:00:00.000Z","q":"lamp"}:x')).toBeDefined();
    expect(runs).toBe(3);
  });
});

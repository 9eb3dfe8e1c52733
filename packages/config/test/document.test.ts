import { describe, expect, it } from 'vitest';
import { deepMerge, flatten, getPath, setPath } from '../src/document.js';

describe('documents', () => {
  it('merges objects key by key and lets a later layer replace arrays and scalars whole', () => {
    const merged = deepMerge(
      { db: { pool: { max: 5, min: 1 }, hosts: ['a', 'b'] } },
      { db: { pool: { max: 10 }, hosts: ['c'] } },
    );
    expect(merged).toEqual({ db: { pool: { max: 10, min: 1 }, hosts: ['c'] } });
  });

  it('reads, writes and flattens dotted paths without touching the input', () => {
    const doc = { a: { b: 1 } };
    const next = setPath(doc, 'a.c.d', true);
    expect(doc).toEqual({ a: { b: 1 } });
    expect(getPath(next, 'a.c.d')).toBe(true);
    expect(getPath(next, 'a.x.y')).toBeUndefined();
    expect(flatten(next)).toEqual([
      ['a.b', 1],
      ['a.c.d', true],
    ]);
  });
});

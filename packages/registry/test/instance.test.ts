import { describe, expect, it } from 'vitest';
import { assertProviderInstance, parseProviderInstance } from '../src/index.js';
import { instance } from './helpers.js';

describe('parseProviderInstance', () => {
  it('accepts a full instance and drops unknown fields (newer providers may add some)', () => {
    const p = instance({ service: 's', zone: 'z' });
    const result = parseProviderInstance({ ...p, futureField: 1 });
    expect(result).toEqual({ ok: true, instance: p });
  });

  it.each([
    ['a string', 'x', 'not an object'],
    ['an array', [], 'not an object'],
    ['a missing id', { id: '' }, 'id'],
    ['a non-integer port', { port: 1.5 }, 'port'],
    ['a port out of range', { port: 70_000 }, 'port'],
    ['a negative weight', { weight: -1 }, 'weight'],
    ['tags that are not strings', { tags: [1] }, 'tags'],
    ['metadata with a number', { metadata: { a: 1 } }, 'metadata'],
    ['a zone that is not a string', { zone: 3 }, 'zone'],
  ])('rejects %s, naming the field', (_, patch, field) => {
    const value =
      typeof patch === 'object' && !Array.isArray(patch) ? { ...instance({ service: 's' }), ...patch } : patch;
    const result = parseProviderInstance(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(field);
  });

  it('throws INVALID_ARGUMENT for application input', () => {
    expect(() => assertProviderInstance({ id: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

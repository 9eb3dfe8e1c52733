import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry } from '../src/internal/entry.js';
import { jsonSerializer } from '../src/serializer.js';

const base = { freshUntil: Number.POSITIVE_INFINITY, expiresAt: 1_700_000_060_000 };

describe('level-2 entry encoding', () => {
  it('round-trips a value, an absent marker and a stale-while-revalidate clock', () => {
    const value = encodeEntry(
      { ...base, size: 1, value: { id: 1, name: 'a|b' }, absent: false },
      '{"id":1,"name":"a|b"}',
    );
    expect(decodeEntry(value, jsonSerializer)).toMatchObject({ value: { id: 1, name: 'a|b' }, absent: false, ...base });
    const absent = encodeEntry({ ...base, size: 1, value: undefined, absent: true }, '');
    expect(decodeEntry(absent, jsonSerializer)).toMatchObject({ absent: true, value: undefined });
    const swr = encodeEntry({ ...base, size: 1, freshUntil: 1_700_000_050_000, value: 3, absent: false }, '3');
    expect(decodeEntry(swr, jsonSerializer)).toMatchObject({ value: 3, freshUntil: 1_700_000_050_000 });
  });

  it('treats a foreign value in Redis as a miss instead of failing', () => {
    expect(decodeEntry('{"id":1}', jsonSerializer)).toBeUndefined();
    expect(decodeEntry('vabc|1', jsonSerializer)).toBeUndefined();
    expect(decodeEntry('', jsonSerializer)).toBeUndefined();
  });
});

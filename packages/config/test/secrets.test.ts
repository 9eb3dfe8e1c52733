import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { toJsonSchema } from '../src/schema/json-schema.js';
import { isSecret, MASK, maskDocument, maskValue, secretPaths } from '../src/secrets.js';

describe('secrets', () => {
  const marked = secretPaths(
    toJsonSchema(z.object({ db: z.object({ dsn: z.string().meta({ secret: true }).optional(), host: z.string() }) })),
  );

  it('finds fields the schema marks secret, and keys whose names say so', () => {
    expect([...marked]).toEqual(['db.dsn']);
    expect(isSecret('db.dsn', marked)).toBe(true);
    expect(isSecret('payments.apiKey', marked)).toBe(true);
    expect(isSecret('db.password', marked)).toBe(true);
    expect(isSecret('db.host', marked)).toBe(false);
  });

  it('masks every secret leaf and nothing else', () => {
    expect(maskDocument({ db: { dsn: 'postgres://u:p@h', host: 'h', password: 'x' } }, marked)).toEqual({
      db: { dsn: MASK, host: 'h', password: MASK },
    });
    // Asking for a parent must not leak the secrets under it.
    expect(maskValue('db', { dsn: 'x', host: 'h', pool: { token: 't' } }, marked)).toEqual({
      dsn: MASK,
      host: 'h',
      pool: { token: MASK },
    });
  });
});

import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { coerce, layerValidator, schemaAt, toJsonSchema } from '../src/schema/json-schema.js';

const schema = toJsonSchema(
  z.object({
    db: z.object({ pool: z.object({ max: z.number().int().min(1) }), host: z.string() }),
    limits: z.record(z.string(), z.number()).optional(),
  }),
);

describe('registered schema (JSON Schema)', () => {
  it('knows which keys exist', () => {
    expect(schemaAt(schema, 'db.pool.max')).toMatchObject({ type: 'integer' });
    expect(schemaAt(schema, 'db.pool.mx')).toBeUndefined();
    expect(schemaAt(schema, 'limits.anything')).toMatchObject({ type: 'number' });
  });

  it('checks one layer: keys optional, types and unknown keys enforced', () => {
    const check = layerValidator(schema);
    expect(check.safeParse({ db: { pool: { max: 3 } } }).success).toBe(true);
    expect(check.safeParse({ db: { pool: { max: 0 } } }).success).toBe(false);
    expect(check.safeParse({ db: { pool: { max: 'ten' } } }).success).toBe(false);
    expect(check.safeParse({ db: { pol: {} } }).success).toBe(false);
  });

  it('coerces command-line strings to the type at the key', () => {
    expect(coerce('10', schemaAt(schema, 'db.pool.max'))).toBe(10);
    expect(coerce('10', schemaAt(schema, 'db.host'))).toBe('10');
    expect(coerce('ten', schemaAt(schema, 'db.pool.max'))).toBe('ten');
  });
});

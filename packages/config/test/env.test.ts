import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { toJsonSchema } from '../src/schema/json-schema.js';
import { EnvSource } from '../src/sources/env.js';

const schema = toJsonSchema(
  z.object({
    db: z.object({ pool: z.object({ max: z.number().int(), maxIdle: z.number().optional() }), name: z.string() }),
    debug: z.boolean().default(false),
    zones: z.array(z.string()).default([]),
  }),
);

describe('environment variables', () => {
  it('maps STAGES__A__B onto a.b with the type the schema wants there', async () => {
    const env = {
      STAGES__DB__POOL__MAX: '10',
      STAGES__DB__POOL__MAX_IDLE: '3',
      STAGES__DB__NAME: '42',
      STAGES__DEBUG: 'true',
      STAGES__ZONES: 'a, b',
      OTHER__DB__NAME: 'ignored',
    };
    const { document } = await new EnvSource({ env, schema }).get();
    expect(document).toEqual({ db: { pool: { max: 10, maxIdle: 3 }, name: '42' }, debug: true, zones: ['a', 'b'] });
  });

  it('without a schema, lower-cases the path and parses JSON when it can', async () => {
    const { document } = await new EnvSource({
      env: { APP__FEATURES__NEW_UI: 'true', APP__NAME: 'shop' },
      prefix: 'APP',
    }).get();
    expect(document).toEqual({ features: { new_ui: true }, name: 'shop' });
  });
});

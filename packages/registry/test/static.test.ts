import { describe, expect, it } from 'vitest';
import { StaticRegistry } from '../src/index.js';
import { registryContract } from './contract.js';
import { instance } from './helpers.js';

registryContract('static', async (seed) => {
  const consumer = new StaticRegistry({ providers: seed });
  return { consumer, close: () => consumer.close() };
});

describe('static registry', () => {
  it('is read-only: register resolves without changing the list', async () => {
    const registry = new StaticRegistry({ providers: [{ service: 'a', host: '127.0.0.1', port: 1 }] });
    expect(registry.readOnly).toBe(true);
    await registry.register(instance({ service: 'a' }));
    expect((await registry.lookup('a')).map((p) => p.id)).toEqual(['127.0.0.1:1']);
  });

  it('fills defaults and names the bad field in config errors', () => {
    expect(() => new StaticRegistry({ providers: [{ service: 'a', host: '127.0.0.1', port: 70_000 }] })).toThrow(
      /providers\[0\]: port/,
    );
    expect(
      () =>
        new StaticRegistry({
          providers: [
            { service: 'a', host: 'h', port: 1 },
            { service: 'a', host: 'h', port: 1 },
          ],
        }),
    ).toThrow(/repeats id/);
  });
});

import { defineApi, Reference, Rpc, Service, StagesError, scanService, toDescriptor } from '@stages/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const InventoryApi = defineApi<{ reserve(req: { sku: string }): Promise<boolean> }>('inventory', { version: '1.0.0' });

@Service({ name: 'catalog', version: '1.2.0', group: 'blue', maxConcurrency: 8 })
class CatalogService {
  constructor(@Reference(InventoryApi, { tags: ['canary'] }) readonly inventory: unknown) {}

  @Rpc({ idempotent: true, timeoutMs: 300, input: z.object({ id: z.string() }), maxConcurrency: 2 })
  async getProduct(req: { id: string }) {
    return { id: req.id };
  }

  @Rpc({ fallback: 'cached' })
  async price(req: { id: string }): Promise<number> {
    throw new StagesError(req.id === 'down' ? 'UNAVAILABLE' : 'NOT_FOUND', 'pricing');
  }

  cached(_req: unknown, error: StagesError) {
    return { fallback: true, code: error.code };
  }
}

describe('scanService', () => {
  it('reads what the decorators recorded into a descriptor, with config overrides on top', () => {
    const def = scanService(CatalogService);
    expect(def).toMatchObject({
      name: 'catalog',
      version: '1.2.0',
      group: 'blue',
      maxConcurrency: 8,
      scope: 'singleton',
    });
    expect(def.references).toHaveLength(1);
    expect(def.references[0]).toMatchObject({ index: 0, target: InventoryApi, options: { tags: ['canary'] } });

    const instance = new CatalogService(undefined);
    const descriptor = toDescriptor(def, () => ({ instance }), {
      maxConcurrency: 4,
      methods: { getProduct: { timeoutMs: 100 } },
    });
    expect(descriptor.name).toBe('catalog');
    expect(descriptor.maxConcurrency).toBe(4);
    const getProduct = descriptor.methods.find((m) => m.name === 'getProduct');
    expect(getProduct).toMatchObject({ idempotent: true, timeoutMs: 100, maxConcurrency: 2 });
    expect(getProduct?.input?.safeParse({ id: 1 }).success).toBe(false);
    expect(descriptor.methods.find((m) => m.name === 'price')).toMatchObject({ idempotent: false });
  });

  it('falls back only on retryable errors, passing the error to the fallback', async () => {
    const instance = new CatalogService(undefined);
    const descriptor = toDescriptor(scanService(CatalogService), () => ({ instance }));
    const price = (descriptor.handler as Record<string, (r: unknown) => Promise<unknown>>).price!;
    await expect(price({ id: 'down' })).resolves.toEqual({ fallback: true, code: 'UNAVAILABLE' });
    await expect(price({ id: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rejects classes that are not services or have nothing to serve', () => {
    class Plain {}
    expect(() => scanService(Plain)).toThrow(/not decorated with @Service/);
    @Service({ name: 'empty' })
    class Empty {}
    expect(() => scanService(Empty)).toThrow(/no @Rpc methods/);
    expect(() => Service({ name: '' })).toThrow(/name is required/);
  });

  it('lets a subclass inherit and override @Rpc methods without changing its base', () => {
    @Service({ name: 'base' })
    class Base {
      @Rpc() async a() {}
      @Rpc({ timeoutMs: 5 }) async b() {}
    }
    @Service({ name: 'derived' })
    class Derived extends Base {
      @Rpc({ timeoutMs: 9 }) override async b() {}
      @Rpc() async c() {}
    }
    expect(scanService(Derived).methods.map((m) => [m.name, m.timeoutMs])).toEqual([
      ['a', undefined],
      ['b', 9],
      ['c', undefined],
    ]);
    expect(scanService(Base).methods.map((m) => m.name)).toEqual(['a', 'b']);
  });
});

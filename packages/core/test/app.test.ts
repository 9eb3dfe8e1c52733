import { runWithContext, Stages } from '@stages/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CartService, CatalogApi, CatalogService, InventoryService } from './fixtures/shop.js';

describe('Stages app in monolith mode', () => {
  let app: Stages;
  beforeAll(async () => {
    app = await Stages.create({
      services: [CatalogService, InventoryService, CartService],
      config: { app: { name: 'shop' } },
      handleSignals: false,
    }).start();
  });
  afterAll(() => app?.stop());

  it('serves a call that goes through a reference to another local service', async () => {
    expect(app.mode).toBe('monolith');
    const catalog = app.client<CatalogApi>(CatalogApi);
    await expect(catalog.getProduct({ id: '1' })).resolves.toEqual({
      id: '1',
      name: 'Product 1',
      inStock: 7,
      seenBy: null,
    });
  });

  it('carries caller and tags from the incoming call into the calls it makes', async () => {
    const catalog = app.client<CatalogApi>(CatalogApi);
    const product = await runWithContext({ caller: 'alice', tags: ['canary'] }, () => catalog.getProduct({ id: '1' }));
    expect(product.seenBy).toBe('alice');
  });

  it('rejects bad input with INVALID_ARGUMENT before the handler, and rethrows remote codes as they were', async () => {
    const catalog = app.client<CatalogApi>(CatalogApi);
    await expect(catalog.getProduct({ id: 'x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(catalog.getProduct({ id: '9' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no sku sku-9' });
  });

  it('enforces the method bulkhead with RESOURCE_EXHAUSTED', async () => {
    const catalog = app.client<CatalogApi>(CatalogApi, { faultTolerance: 'failfast' });
    const results = await Promise.allSettled([catalog.slow({ ms: 150 }), catalog.slow({ ms: 150 })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
  });

  it('builds a call-scoped service per call', async () => {
    const carts = app.client<{ scopeId(req: object): Promise<number> }>(CartService);
    const a = await carts.scopeId({});
    const b = await carts.scopeId({});
    expect(b).toBeGreaterThan(a);
  });

  it('answers readiness and liveness on the admin port', async () => {
    const base = `http://127.0.0.1:${app.adminAddress!.port}`;
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, phase: 'ready' });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    app.health.addCheck('db', () => false);
    expect((await fetch(`${base}/health/ready`)).status).toBe(503);
    app.health.addCheck('db', () => true);
  });
});

describe('bulkheads from config', () => {
  it('lets config widen a method bulkhead set by its decorator', async () => {
    const app = await Stages.create({
      services: [CatalogService, InventoryService],
      config: { services: { inventory: { methods: { slow: { maxConcurrency: 2 } } } } },
      handleSignals: false,
    }).start();
    try {
      const catalog = app.client<CatalogApi>(CatalogApi, { faultTolerance: 'failfast' });
      const results = await Promise.allSettled([1, 2, 3].map(() => catalog.slow({ ms: 150 })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'RESOURCE_EXHAUSTED' } });
    } finally {
      await app.stop();
    }
  });
});

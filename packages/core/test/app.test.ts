import { Features, Rpc, runWithContext, Service, Stages } from '@stages/core';
import { InMemoryRegistry, InMemoryStore, type ProviderInstance } from '@stages/registry';
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

describe('start', () => {
  it('is not ready while starting: readiness answers 503 until registration is done', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A registry that holds registration until the test has probed readiness.
    const registry = new (class extends InMemoryRegistry {
      override async register(instance: ProviderInstance) {
        await gate;
        return super.register(instance);
      }
    })({ store: new InMemoryStore() });
    const app = Stages.create({
      services: [InventoryService],
      registry,
      config: { deregisterGraceMs: 0 },
      handleSignals: false,
    });
    const started = app.start();
    try {
      while (!app.adminAddress) await new Promise((r) => setTimeout(r, 5));
      const probe = await fetch(`http://127.0.0.1:${app.adminAddress.port}/health/ready`);
      expect(probe.status).toBe(503);
      expect(await probe.json()).toMatchObject({ ready: false, phase: 'starting' });
      release();
      await started;
      expect((await fetch(`http://127.0.0.1:${app.adminAddress.port}/health/ready`)).status).toBe(200);
    } finally {
      release();
      await app.stop();
      await registry.close();
    }
  });

  it('fails with the constructor error and releases what it acquired', async () => {
    @Service({ name: 'broken' })
    class Broken {
      constructor() {
        throw new Error('cannot connect');
      }
      @Rpc() async ping() {}
    }
    const app = Stages.create({ services: [Broken], handleSignals: false });
    const seen: string[] = [];
    app.onLifecycle((event) => seen.push(event));
    await expect(app.start()).rejects.toThrow('cannot connect');
    expect(seen.at(-1)).toBe('stopped');
    expect(app.health.live()).toBe(false);
    await app.stop(); // idempotent
  });
});

describe('what the app offers for injection', () => {
  it('injects the app itself and its feature flags', async () => {
    @Service({ name: 'flags' })
    class FlagsService {
      constructor(
        readonly features: Features,
        readonly app: Stages,
      ) {}
      @Rpc() async beta() {
        return { on: this.features.isOn('beta'), mode: this.app.mode };
      }
    }
    const app = await Stages.create({
      services: [FlagsService],
      config: { features: { beta: true } },
      handleSignals: false,
    }).start();
    try {
      await expect(app.client<{ beta(r: object): Promise<unknown> }>(FlagsService).beta({})).resolves.toEqual({
        on: true,
        mode: 'monolith',
      });
    } finally {
      await app.stop();
    }
  });
});

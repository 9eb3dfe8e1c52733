import { StagesError } from '@stages/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../src/index.js';

const PAGE = '<!doctype html><title>shop</title><h1>storefront</h1>';

// The application's own routes on the gateway's port, over real HTTP: what a storefront page needs.
describe('Gateway configure', () => {
  let gateway: Gateway;
  let base: string;
  const calls: unknown[] = [];

  beforeAll(async () => {
    gateway = await Gateway.create({
      routes: [{ method: 'GET', path: '/api/products/:id', service: 'catalog', call: 'getProduct' }],
      clients: {
        catalog: {
          call: async <T>(_method: string, payload: unknown) => {
            calls.push(payload);
            return { id: (payload as { id: string }).id } as T;
          },
        },
      },
      rateLimit: { max: 4, timeWindowMs: 60_000 },
      configure: async (app) => {
        app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
      },
    });
    base = (await gateway.listen()).url;
  });
  afterAll(() => gateway?.close());

  it('serves the added page beside the gateway routes, under the gateway-wide limit and error handling', async () => {
    const page = await fetch(`${base}/?ref=mail`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe(PAGE);
    expect((await fetch(base, { method: 'HEAD' })).status).toBe(200);

    const api = await fetch(`${base}/api/products/p-1`);
    expect(await api.json()).toEqual({ id: 'p-1' });
    expect(calls).toEqual([{ id: 'p-1' }]);

    const missing = await fetch(`${base}/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(((await missing.json()) as { code: string }).code).toBe('NOT_FOUND');

    // The gateway-wide limit (4 per client) covers the added page too: a few more requests and it is 429.
    const more = [];
    for (let i = 0; i < 4; i++) more.push(await fetch(base));
    const limited = more.at(-1)!;
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { code: string }).code).toBe('RATE_LIMITED');
  });

  it('rejects a configure that fails, or that collides with a gateway route, with CONFIG_INVALID', async () => {
    const clients = { catalog: { call: async <T>() => ({}) as T } };
    const routes = [{ method: 'GET' as const, path: '/a', service: 'catalog', call: 'x' }];
    const failing = Gateway.create({
      routes,
      clients,
      configure: () => {
        throw new Error('no such directory');
      },
    });
    await expect(failing).rejects.toSatisfy(
      (e) => StagesError.is(e) && e.code === 'CONFIG_INVALID' && e.message.includes('no such directory'),
    );
    const colliding = Gateway.create({ routes, clients, configure: (app) => void app.get('/a', async () => 'mine') });
    await expect(colliding).rejects.toSatisfy((e) => StagesError.is(e) && e.code === 'CONFIG_INVALID');
  });
});

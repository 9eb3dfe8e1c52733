import { request } from 'node:http';
import { Rpc, route, Service, Stages, StagesError } from '@stages/core';
import { InMemoryRegistry, InMemoryStore } from '@stages/registry';
import { afterEach, describe, expect, it } from 'vitest';

@Service({ name: 'quotes' })
class QuoteService {
  @Rpc()
  async quote(req: { sku: string; qty: number }) {
    await new Promise((r) => setTimeout(r, req.qty === 99 ? 300 : 0));
    return { sku: req.sku, total: req.qty * 5, pid: process.pid };
  }
}

// YAML, as an operator would put it in a config file or the config center; `fn:` names a function the app gives.
const yamlRoutes = `
routes:
  - id: legacy-quote
    from: { http: { method: POST, path: /legacy/quote } }
    steps:
      - transform: { fn: fromLegacy }
    to: { service: quotes, call: quote }
`;
const routeFunctions = {
  fromLegacy: (body: { ITEM: string; QTY: string }) => ({ sku: body.ITEM.toLowerCase(), qty: Number(body.QTY) }),
};

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('ESB routes wired by the app', () => {
  const apps: Stages[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.stop();
  });

  it('calls a service of another app over gRPC through the registry, as a @Reference would', async () => {
    const registry = new InMemoryRegistry({ store: new InMemoryStore() });
    const provider = await Stages.create({
      services: [QuoteService],
      registry,
      config: { app: { name: 'quotes' }, admin: { enabled: false }, server: { port: 0 }, deregisterGraceMs: 0 },
      handleSignals: false,
    }).start();
    apps.push(provider);
    const esb = await Stages.create({
      services: [],
      registry,
      routeFunctions,
      config: {
        app: { name: 'esb' },
        admin: { enabled: false },
        deregisterGraceMs: 0,
        esb: { routes: yamlRoutes, http: { port: 0 } },
      },
      handleSignals: false,
    }).start();
    apps.push(esb);
    expect(esb.mode).toBe('distributed');

    const res = await post(`${esb.routes?.address?.url}/legacy/quote`, { ITEM: 'SKU-1', QTY: '4' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sku: 'sku-1', total: 20, pid: process.pid });
  });

  it('fails start with ROUTE_INVALID naming the route when the document in config is invalid', async () => {
    const app = Stages.create({
      services: [QuoteService],
      config: {
        admin: { enabled: false },
        // `fromLegacy` is not among the app's route functions.
        esb: { routes: yamlRoutes, http: { port: 0 } },
      },
      handleSignals: false,
    });
    const error = await app.start().catch((e: unknown) => e);
    expect(StagesError.is(error) && error.code).toBe('ROUTE_INVALID');
    expect((error as Error).message).toMatch(/legacy-quote.*fromLegacy/);
  });

  it('lets an exchange in flight finish when the app stops, then refuses new connections', async () => {
    // A builder route with its function inline, straight in the config object.
    const inline = route('legacy-quote')
      .fromHttp('POST', '/legacy/quote')
      .transform(routeFunctions.fromLegacy)
      .toService('quotes', 'quote')
      .build();
    const app = await Stages.create({
      services: [QuoteService],
      config: { admin: { enabled: false }, drainTimeoutMs: 1_000, esb: { routes: [inline], http: { port: 0 } } },
      handleSignals: false,
    }).start();
    const { port } = app.routes?.address ?? { port: 0 };
    const slow = post(`http://127.0.0.1:${port}/legacy/quote`, { ITEM: 'SLOW', QTY: '99' });
    await new Promise((r) => setTimeout(r, 50));
    const stopping = Date.now();
    await app.stop();
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sku: 'slow', total: 495 });
    // Bounded by drainTimeoutMs even though the caller's keep-alive connection is still open.
    expect(Date.now() - stopping).toBeLessThan(3_000);
    const refused = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/legacy/quote', agent: false }, (r) =>
        resolve(`answered ${r.statusCode}`),
      );
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.end('{}');
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});

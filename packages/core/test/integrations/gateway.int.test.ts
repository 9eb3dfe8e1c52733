import { currentContext, type GatewayRoute, Rpc, Service, Stages } from '@stages/core';
import { InMemoryRegistry, InMemoryStore } from '@stages/registry';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const calls: { sku: string; caller: string | undefined }[] = [];

@Service({ name: 'prices' })
class PriceService {
  @Rpc()
  async price(req: { sku: string; qty: number }) {
    calls.push({ sku: req.sku, caller: currentContext()?.caller });
    return { sku: req.sku, total: req.qty * 5, pid: process.pid };
  }
}

const secret = 'gateway-test-secret-of-enough-length';

describe('the app gateway (config `gateway` + gatewayRoutes) in front of another app over gRPC', () => {
  const registry = new InMemoryRegistry({ store: new InMemoryStore() });
  let provider: Stages;
  let front: Stages;
  let url: string;

  beforeAll(async () => {
    provider = await Stages.create({
      services: [PriceService],
      registry,
      config: { app: { name: 'prices' }, admin: { enabled: false }, server: { port: 0 }, deregisterGraceMs: 0 },
      handleSignals: false,
    }).start();
    // Code routes carry functions; config routes are data. Both are served on `gateway.http`.
    const gatewayRoutes: GatewayRoute[] = [
      {
        method: 'GET',
        path: '/prices/:sku',
        service: 'prices',
        call: 'price',
        input: (r) => ({ sku: r.params.sku, qty: Number(r.query.qty ?? 1) }),
      },
    ];
    front = await Stages.create({
      services: [],
      registry,
      gatewayRoutes,
      config: {
        app: { name: 'front' },
        admin: { enabled: false },
        deregisterGraceMs: 0,
        gateway: {
          jwt: { secret },
          routes: [{ method: 'POST', path: '/secure/prices', service: 'prices', call: 'price', auth: true }],
        },
      },
      handleSignals: false,
    }).start();
    url = front.gateway?.address?.url ?? '';
  });

  afterAll(async () => {
    await front?.stop();
    await provider?.stop();
  });

  it('routes HTTP to the remote service through the registry', async () => {
    const res = await fetch(`${url}/prices/sku-1?qty=3`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sku: 'sku-1', total: 15, pid: process.pid });
  });

  it('answers 401 without a valid token and never calls the service; a valid one reaches it with its identity', async () => {
    const before = calls.length;
    const body = JSON.stringify({ sku: 'sku-2', qty: 2 });
    const headers = { 'content-type': 'application/json' };
    const missing = await fetch(`${url}/secure/prices`, { method: 'POST', headers, body });
    const forged = await fetch(`${url}/secure/prices`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${await token('another-secret-of-enough-length')}` },
      body,
    });
    expect([missing.status, forged.status]).toEqual([401, 401]);
    expect(calls.length).toBe(before);

    const ok = await fetch(`${url}/secure/prices`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${await token(secret)}` },
      body,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ sku: 'sku-2', total: 10 });
    expect(calls.at(-1)).toEqual({ sku: 'sku-2', caller: 'alice' });
  });
});

function token(key: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setExpirationTime('1m')
    .sign(new TextEncoder().encode(key));
}

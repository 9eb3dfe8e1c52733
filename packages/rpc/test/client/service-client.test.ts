import { context, propagation, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { runWithContext, StagesError } from '@stages/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceClientOptions } from '../../src/client/options.js';
import { ServiceClient } from '../../src/client/service-client.js';
import { FakeRegistry, FakeTransport, provider, unavailable } from './fakes.js';

const clients: ServiceClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

function make(providers = [provider('p0'), provider('p1')], options: Partial<ServiceClientOptions> = {}) {
  const registry = new FakeRegistry(providers);
  const transport = new FakeTransport();
  const client = new ServiceClient({ service: 'catalog', registry, transports: [transport], ...options });
  clients.push(client);
  return { registry, transport, client };
}

describe('options', () => {
  it('are validated once, with the field named', () => {
    const registry = new FakeRegistry();
    const transport = new FakeTransport();
    const bad = (o: Partial<ServiceClientOptions>) => () =>
      new ServiceClient({ service: 'catalog', registry, transports: [transport], ...o } as ServiceClientOptions);
    expect(bad({ service: '' })).toThrowError(/ServiceClient service: required/);
    expect(bad({ transports: [] })).toThrowError(/ServiceClient transports/);
    expect(bad({ timeoutMs: -1 })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(bad({ methods: { get: { timeoutMs: 0 } } })).toThrowError(/methods\.get\.timeoutMs/);
    expect(bad({ version: '^nope' })).toThrowError(/version/);
    expect(bad({ breakerOptions: { resetTimeoutMs: -5 } })).toThrowError(/breakerOptions\.resetTimeoutMs/);
    expect(bad({ balancer: 'fastest' })).toThrowError(expect.objectContaining({ code: 'UNKNOWN_PLUGIN' }));
  });
});

describe('deadlines', () => {
  it('uses the call timeout, then the method timeout, then the client default', async () => {
    const { transport, client } = make(undefined, { timeoutMs: 4_000, methods: { slow: { timeoutMs: 9_000 } } });
    const t0 = Date.now();
    await client.call('get', {});
    await client.call('slow', {});
    await client.call('get', {}, { timeoutMs: 100 });
    const budgets = transport.calls.map((c) => c.call.deadline - t0);
    expect(budgets[0]).toBeGreaterThanOrEqual(4_000);
    expect(budgets[0]).toBeLessThan(4_500);
    expect(budgets[1]).toBeGreaterThanOrEqual(9_000);
    expect(budgets[2]).toBeLessThan(600);
  });

  it('never outlives the call being served: the remaining budget caps the timeout', async () => {
    const { transport, client } = make();
    const parentDeadline = Date.now() + 300;
    await runWithContext({ deadline: parentDeadline }, () => client.call('get', {}, { timeoutMs: 10_000 }));
    expect(transport.calls[0]?.call.deadline).toBe(parentDeadline);
  });

  it('fails with DEADLINE_EXCEEDED without sending when the budget is already spent', async () => {
    const { transport, client } = make();
    await client.ready();
    const call = runWithContext({ deadline: Date.now() - 1 }, () => client.call('get', {}));
    await expect(call).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(transport.calls).toHaveLength(0);
  });
});

describe('metadata', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(() => {
    propagation.disable();
    context.disable();
  });

  it('carries W3C trace context, the caller and the tags', async () => {
    const { transport, client } = make(undefined, { caller: 'orders', tags: ['blue'] });
    const parent = trace.setSpanContext(context.active(), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    });
    await context.with(parent, () =>
      runWithContext({ tags: ['canary'], metadata: { 'x-request-id': 'r1' } }, () => client.call('get', {})),
    );
    const md = transport.calls[0]!.call.metadata;
    // No SDK: the client span is non-recording and carries the parent's ids onward.
    expect(md.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(md['stages-caller']).toBe('orders');
    expect(md['stages-tags']).toBe('blue,canary');
    expect(md['x-request-id']).toBe('r1');
  });

  it('prefers the verified caller of the call being served', async () => {
    const { transport, client } = make(undefined, { caller: 'orders' });
    await runWithContext({ caller: 'user-42' }, () => client.call('get', {}));
    expect(transport.calls[0]!.call.metadata['stages-caller']).toBe('user-42');
  });
});

describe('why no provider', () => {
  it('names, per provider, the filter that removed it and why', async () => {
    const { client } = make(
      [
        provider('old', { version: '1.2.0' }),
        provider('cn', { version: '2.0.0', group: 'cn' }),
        provider('idl', { version: '2.0.0', protocol: 'grpc-idl' }),
      ],
      { version: '^2.0.0' },
    );
    const error = (await client.call('get', {}).catch((e) => e)) as StagesError;
    expect(error.code).toBe('NO_PROVIDER');
    expect(error.message).toContain('3 known, none usable; the registry list is fresh');
    expect(error.message).toContain('removed by version: version 1.2.0 does not satisfy ^2.0.0');
    expect(error.message).toContain('removed by group: group "cn" is not ""');
    expect(error.message).toContain('removed by protocol: protocol grpc-idl has no transport here');
    expect(error.details).toMatchObject({ known: 3, stale: false, wanted: { version: '^2.0.0', group: '' } });
    expect((error.details!.removed as { id: string }[]).map((r) => r.id).sort()).toEqual(['cn', 'idl', 'old']);
  });

  it('says when the registry has no provider at all, and when its list is stale', async () => {
    const { client, registry } = make([]);
    await expect(client.call('get', {})).rejects.toThrowError(
      /knows no provider of catalog; the registry list is fresh/,
    );
    registry.set([provider('x', { group: 'cn' })], true);
    const error = (await client.call('get', {}, {}).catch((e) => e)) as StagesError;
    expect(error.code).toBe('NO_PROVIDER');
    expect(error.message).toMatch(/STALE/);
    expect(error.details?.stale).toBe(true);
    expect(client.explain('get')).toMatchObject({ known: 1, stale: true, usable: [], removed: [{ filter: 'group' }] });
  });
});

describe('breakers in the client', () => {
  it('moves traffic off a failing provider; all open is CIRCUIT_OPEN, or the fallback answers', async () => {
    const { transport, client } = make([provider('p0'), provider('p1')], {
      balancer: 'round-robin',
      breakerOptions: { volumeThreshold: 2, resetTimeoutMs: 60_000 },
      methods: {
        get: { idempotent: true },
        withFallback: { idempotent: true, fallback: (_p, e) => ({ fallback: e.code }) },
      },
    });
    transport.on('p0', unavailable);
    for (let i = 0; i < 6; i++) await client.call('get', {});
    expect(client.breakers.stateOf('p0')).toBe('open');
    const before = transport.count('p0');
    for (let i = 0; i < 10; i++) await expect(client.call('get', {})).resolves.toEqual({ from: 'p1' });
    expect(transport.count('p0')).toBe(before);
    expect(client.explain('get').removed[0]).toMatchObject({ id: 'p0', filter: 'breaker' });

    transport.on('p1', unavailable);
    // p1 has ~16 successes in its window: it takes more than 16 failures to pass 50%.
    for (let i = 0; i < 20; i++) await client.call('get', {}).catch(() => {});
    expect(client.breakers.stateOf('p1')).toBe('open');
    const error = (await client.call('get', {}).catch((e) => e)) as StagesError;
    expect(error.code).toBe('CIRCUIT_OPEN');
    expect(error.message).toMatch(/every circuit breaker is open/);
    await expect(client.call('withFallback', {})).resolves.toEqual({ fallback: 'CIRCUIT_OPEN' });
  });

  it('does not run the fallback for the caller’s own errors', async () => {
    const { transport, client } = make([provider('p0')], {
      methods: { get: { fallback: () => 'fallback' } },
    });
    transport.on('p0', () => {
      throw new StagesError('NOT_FOUND', 'no such product');
    });
    await expect(client.call('get', {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('registry changes', () => {
  it('releases the channel, breaker and balancer state of a provider that left', async () => {
    const p0 = provider('p0');
    const p1 = provider('p1');
    const { registry, transport, client } = make([p0, p1]);
    await client.call('get', {});
    registry.set([p1]);
    expect(transport.released).toEqual(['p0']);
    for (let i = 0; i < 5; i++) await expect(client.call('get', {})).resolves.toEqual({ from: 'p1' });
  });

  it('waits for the first delivery instead of failing with "no provider"', async () => {
    const { client } = make();
    await expect(client.call('get', {})).resolves.toBeTruthy();
  });
});

describe('routing through the client', () => {
  it('sends tagged calls to canaries and keeps zone preference', async () => {
    const { transport, client } = make(
      [
        provider('east', { zone: 'east' }),
        provider('west', { zone: 'west' }),
        provider('canary', { zone: 'west', tags: ['canary'] }),
      ],
      { zone: 'east' },
    );
    for (let i = 0; i < 5; i++) await client.call('get', {});
    await runWithContext({ tags: ['canary'] }, () => client.call('get', {}));
    await client.call('get', {}, { tags: ['canary'] });
    expect(transport.calls.map((c) => c.provider)).toEqual([
      'east',
      'east',
      'east',
      'east',
      'east',
      'canary',
      'canary',
    ]);
  });

  it('fails over across zones once every local provider was tried', async () => {
    const { transport, client } = make([provider('east', { zone: 'east' }), provider('west', { zone: 'west' })], {
      zone: 'east',
      methods: { get: { idempotent: true } },
    });
    transport.on('east', unavailable);
    await expect(client.call('get', {})).resolves.toEqual({ from: 'west' });
    expect(transport.calls.map((c) => c.provider)).toEqual(['east', 'west']);
  });

  it('sticks a hash key to one provider', async () => {
    const { transport, client } = make([provider('a'), provider('b'), provider('c')], {
      balancer: 'consistent-hash',
      methods: { cart: { hashKey: 'userId' } },
    });
    for (let i = 0; i < 20; i++) await client.call('cart', { userId: 'u-1' });
    for (let i = 0; i < 20; i++) await client.call('cart', { userId: 'u-2' }, {});
    const first = new Set(transport.calls.slice(0, 20).map((c) => c.provider));
    const second = new Set(transport.calls.slice(20).map((c) => c.provider));
    expect(first.size).toBe(1);
    expect(second.size).toBe(1);
  });
});

describe('typed proxy', () => {
  interface CatalogApi {
    getProduct(req: { id: string }): Promise<{ id: string; price: number }>;
  }

  it('turns method calls into client calls', async () => {
    const { transport, client } = make([provider('p0')]);
    transport.on('p0', (call) => ({ id: (call.payload as { id: string }).id, price: 3 }));
    const catalog = client.proxy<CatalogApi>();
    const product = await catalog.getProduct({ id: 'sku-1' }, { timeoutMs: 1_000 });
    expect(product).toEqual({ id: 'sku-1', price: 3 });
    expect(transport.calls[0]!.call.method).toBe('getProduct');
    expect(await Promise.resolve(catalog)).toBe(catalog); // not mistaken for a thenable
  });
});

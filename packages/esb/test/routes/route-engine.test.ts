import { StagesError } from '@stages/common';
import { describe, expect, it } from 'vitest';
import { type EventMessage, InProcessEventBus, RouteEngine, type RouteSource, route } from '../../src/index.js';
import { until } from '../helpers.js';

// Pure routing logic with in-process services and the in-process bus; the real protocols are in routes.int.test.ts.
function fakeClients(log: { call: string; payload: unknown }[], failures: Record<string, StagesError[]> = {}) {
  // biome-ignore lint/suspicious/noExplicitAny: fake services read their payload loosely.
  const services: Record<string, Record<string, (p: any) => unknown>> = {
    customers: { get: (p) => ({ name: `customer ${p.id}`, tier: p.id === 'c1' ? 'gold' : 'basic' }) },
    orders: { place: (p) => ({ orderId: `o-${p.customerId}`, total: p.total ?? 0 }) },
  };
  return Object.fromEntries(
    Object.entries(services).map(([name, methods]) => [
      name,
      {
        async call<T = unknown>(method: string, payload: unknown): Promise<T> {
          log.push({ call: `${name}.${method}`, payload });
          const f = failures[`${name}.${method}`]?.shift();
          if (f) throw f;
          return methods[method]!(payload) as T;
        },
      },
    ]),
  );
}

const YAML = `
routes:
  - id: orders
    from: { topic: never-used }
    steps:
      - filter: { jsonata: "qty > 0" }
      - enrich: { service: customers, call: get, input: { jsonata: "{ 'id': customer }" }, as: customer }
      - choice:
          - when: { header: x-channel, equals: shop }
            steps:
              - transform: { jsonata: "$merge([$, { 'total': qty * 10 }])" }
          - when: { jsonata: "customer.tier = 'gold'" }
            steps:
              - transform: { fn: goldPrice }
          - otherwise:
              - transform: { jsonata: "$merge([$, { 'total': qty * 12 }])" }
      - transform: { jsonata: "{ 'customerId': customer.name, 'total': total }" }
    to: { service: orders, call: place }
  - id: batch
    from: { http: { method: POST, path: /batch } }
    steps:
      - split: { jsonata: "items" }
    to:
      - { service: orders, call: place }
      - { topic: placed, key: { jsonata: orderId } }
`;

describe('route engine', () => {
  it('runs choice, filter, enrich, transform (JSONata and named functions), split, and chained endpoints', async () => {
    const calls: { call: string; payload: unknown }[] = [];
    const bus = new InProcessEventBus();
    const engine = new RouteEngine({
      clients: fakeClients(calls),
      bus,
      functions: { goldPrice: (b) => ({ ...b, total: b.qty * 8 }) },
    });
    await engine.apply(YAML);
    expect(engine.routes).toEqual(['orders', 'batch']);

    expect((await engine.run('orders', { customer: 'c2', qty: 2 }, { 'x-channel': 'shop' })).results).toEqual([
      { orderId: 'o-customer c2', total: 20 },
    ]);
    expect((await engine.run('orders', { customer: 'c1', qty: 2 })).results).toEqual([
      { orderId: 'o-customer c1', total: 16 },
    ]);
    expect((await engine.run('orders', { customer: 'c2', qty: 2 })).results).toEqual([
      { orderId: 'o-customer c2', total: 24 },
    ]);
    const before = calls.length;
    expect((await engine.run('orders', { customer: 'c2', qty: 0 })).results).toEqual([]);
    expect(calls.length).toBe(before); // filtered out before any call

    const placed: EventMessage[] = [];
    await bus.subscribe('placed', 'test', (m) => void placed.push(m));
    const batch = await engine.run('batch', { items: [{ customerId: 'a' }, { customerId: 'b' }] });
    expect(batch).toEqual({
      split: true,
      results: [
        { orderId: 'o-a', total: 0 },
        { orderId: 'o-b', total: 0 },
      ],
    });
    await until(() => placed.length === 2, 2_000, 'two events');
    expect(placed.map((m) => [m.key, m.headers['stages-route']])).toEqual([
      ['o-a', 'batch'],
      ['o-b', 'batch'],
    ]);
    await engine.close();
  });

  it('rejects invalid documents with ROUTE_INVALID and keeps the running routes', async () => {
    const engine = new RouteEngine({
      clients: fakeClients([]),
      bus: new InProcessEventBus(),
      functions: { goldPrice: (b) => b },
    });
    await engine.apply(YAML);
    const bad = [
      'routes: [ { id: x',
      { routes: [{ id: 'x', from: { http: { method: 'GET', path: '/x' } }, to: { service: 'orders' } }] },
      [{ id: 'x', from: { topic: 't' }, steps: [{ transform: { jsonata: '{ broken' } }], to: { topic: 'y' } }],
      [{ id: 'x', from: { topic: 't' }, steps: [{ transform: { fn: 'nope' } }], to: { topic: 'y' } }],
      [{ id: 'x', from: { topic: 't' }, to: { http: { url: 'http://203.0.113.7/hook' } } }],
      [
        { id: 'x', from: { topic: 't' }, to: { topic: 'y' } },
        { id: 'x', from: { topic: 'u' }, to: { topic: 'y' } },
      ],
      [
        {
          id: 'x',
          from: { topic: 't' },
          steps: [{ choice: [{ otherwise: [] }, { when: { header: 'a' }, steps: [] }] }],
          to: { topic: 'y' },
        },
      ],
    ];
    const messages: string[] = [];
    for (const doc of bad) {
      const error = await engine.apply(doc).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ROUTE_INVALID' });
      messages.push((error as Error).message);
    }
    expect(messages[1]).toMatch(/to/);
    expect(messages[2]).toMatch(/JSONata/);
    expect(messages[3]).toMatch(/unknown function "nope"/);
    expect(messages[4]).toMatch(/neither loopback nor a configured upstream/);
    expect(messages[5]).toMatch(/duplicate route id/);
    expect(messages[6]).toMatch(/otherwise must be the last/);
    expect(engine.routes).toEqual(['orders', 'batch']);
    await engine.close();
  });

  it('hot-reloads from a watched source; a bad version is reported and skipped', async () => {
    let push: (doc: unknown) => void = () => {};
    const source: RouteSource = {
      watch(fn) {
        push = fn;
        fn([route('a').fromTopic('t').toTopic('out').build()]);
        return () => {};
      },
    };
    const rejected: StagesError[] = [];
    const engine = new RouteEngine({ bus: new InProcessEventBus(), onRejected: (e) => rejected.push(e) });
    await engine.watch(source);
    expect(engine.routes).toEqual(['a']);
    push([route('b').fromTopic('t').toTopic('out').build()]);
    await until(() => engine.routes[0] === 'b', 2_000, 'reload');
    push([{ id: 'c', from: { topic: 't' } }]);
    await until(() => rejected.length === 1, 2_000, 'rejection');
    expect(engine.routes).toEqual(['b']);
    expect(engine.lastRejection?.code).toBe('ROUTE_INVALID');
    await engine.close();
  });

  it('retries retryable failures, not rejected requests, times out, and dead-letters with the error', async () => {
    const calls: { call: string; payload: unknown }[] = [];
    const failures = {
      'orders.place': [new StagesError('UNAVAILABLE', 'down'), new StagesError('UNAVAILABLE', 'down')],
    };
    const bus = new InProcessEventBus();
    const dlq: EventMessage[] = [];
    await bus.subscribe('esb.dlq', 'ops', (m) => void dlq.push(m));
    const engine = new RouteEngine({
      clients: {
        ...fakeClients(calls, failures),
        slow: { call: <T>() => new Promise<T>((r) => setTimeout(() => r(undefined as T), 500)) },
      },
      bus,
    });
    await engine.apply([
      route('place').fromTopic('in').toService('orders', 'place').retries(2, 1).deadLetter('esb.dlq').build(),
      route('slow').fromTopic('in2').toService('slow', 'x').timeout(50).deadLetter('esb.dlq').build(),
    ]);
    expect((await engine.run('place', { customerId: 'a' })).results).toEqual([{ orderId: 'o-a', total: 0 }]);
    expect(calls.filter((c) => c.call === 'orders.place')).toHaveLength(3);
    failures['orders.place'].push(new StagesError('INVALID_ARGUMENT', 'no lines'));
    await expect(engine.run('place', { customerId: 'b' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(calls.filter((c) => c.call === 'orders.place')).toHaveLength(4); // not retried
    await expect(engine.run('slow', { n: 1 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await until(() => dlq.length === 2, 2_000, 'two dead letters');
    expect(dlq.map((m) => m.value)).toEqual([
      {
        route: 'place',
        body: { customerId: 'b' },
        headers: {},
        error: { code: 'INVALID_ARGUMENT', message: 'no lines' },
      },
      {
        route: 'slow',
        body: { n: 1 },
        headers: {},
        error: { code: 'DEADLINE_EXCEEDED', message: 'route slow took longer than 50 ms' },
      },
    ]);
    await engine.close();
  });
});

describe('route engine HTTP source', () => {
  it('takes path params and query for GET, answers 204 when filtered out, 404 for unknown paths', async () => {
    const calls: { call: string; payload: unknown }[] = [];
    const engine = new RouteEngine({ clients: fakeClients(calls) });
    await engine.apply([
      route('customer')
        .fromHttp('GET', '/customers/:id')
        .filter('$not(hidden = "yes")')
        .toService('customers', 'get')
        .build(),
      route('files')
        .fromHttp('GET', '/files/*')
        .transform((b) => ({ id: b['*'] }))
        .toService('customers', 'get')
        .build(),
    ]);
    const { url } = await engine.listen();
    const r = await fetch(`${url}/customers/c1?lang=en`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ name: 'customer c1', tier: 'gold' });
    expect(calls.at(-1)).toEqual({ call: 'customers.get', payload: { id: 'c1', lang: 'en' } });
    expect((await fetch(`${url}/customers/c1?hidden=yes`)).status).toBe(204);
    expect(await (await fetch(`${url}/files/a/b%20c`)).json()).toEqual({ name: 'customer a/b c', tier: 'basic' });
    const missing = await fetch(`${url}/customers`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'NOT_FOUND', type: 'urn:stages:error:NOT_FOUND' });
    await engine.close();
  });
});

describe('route engine close', () => {
  it('closes as soon as a request in flight is answered, not after the keep-alive timeout', async () => {
    const slow = { call: <T>() => new Promise<T>((r) => setTimeout(() => r({ ok: true } as T), 300)) };
    const engine = new RouteEngine({ clients: { slow } });
    await engine.apply([route('slow').fromHttp('GET', '/slow').toService('slow', 'get').build()]);
    const { url } = await engine.listen();
    // A keep-alive connection that is busy when close() begins.
    const inFlight = fetch(`${url}/slow`);
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    await engine.close();
    const closedAfterMs = performance.now() - started;
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ ok: true });
    expect(closedAfterMs).toBeLessThan(5_000);
  });
});

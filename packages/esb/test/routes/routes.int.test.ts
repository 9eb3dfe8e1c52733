import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ZooKeeperRegistry } from '@stages/registry';
import { GrpcClientTransport, GrpcServerTransport, ServiceClient } from '@stages/rpc';
import { type RedisCluster, startRedis, startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventMessage, RedisStreamsEventBus, RouteEngine } from '../../src/index.js';
import { until } from '../helpers.js';
import { type Provider, startProvider } from '../provider-helpers.js';

const exporter = new InMemorySpanExporter();

// The legacy order format of an old shop front: upper-case fields, numbers as strings, lower-case currency.
const legacyOrder = {
  CUST_NO: 'C-42',
  CCY: 'eur',
  ORDER_LINES: [
    { ITEM: 'sku-1', QTY: '2', UNIT_PRICE: '9.50' },
    { ITEM: 'sku-2', QTY: '1', UNIT_PRICE: '20' },
  ],
};

const ROUTES = `
routes:
  - id: legacy-http-orders
    from: { http: { method: POST, path: /legacy/orders } }
    steps:
      - transform:
          jsonata: |
            {
              "customerId": CUST_NO,
              "currency": $uppercase(CCY),
              "lines": [ORDER_LINES.{ "sku": ITEM, "qty": $number(QTY), "price": $number(UNIT_PRICE) }]
            }
    to:
      - { service: orders, call: placeOrder }
      - { topic: order-placed, key: { jsonata: orderId } }
    retries: 2
    timeoutMs: 5000
    deadLetter: { topic: esb.dead-letters }
  - id: legacy-event-orders
    from: { topic: legacy-orders, group: esb }
    steps:
      - transform:
          jsonata: '{ "customerId": CUST_NO, "currency": $uppercase(CCY), "lines": [ORDER_LINES.{ "sku": ITEM, "qty": $number(QTY), "price": $number(UNIT_PRICE) }] }'
    to:
      - { service: orders, call: placeOrder }
      - { topic: order-placed, key: { jsonata: orderId } }
    deadLetter: { topic: esb.dead-letters }
  - id: grpc-submit
    from: { grpc: { service: esb-orders, method: submit } }
    to: { topic: order-submitted, key: { jsonata: customerId } }
`;

// A legacy HTTP order, transformed by JSONata, placed with a real order-service process over gRPC (found in
// ZooKeeper), and announced on a real Redis stream; plus event -> gRPC and gRPC -> event.
describe('ESB routes end to end', () => {
  let zk: ZooKeeperCluster;
  let redis: RedisCluster;
  let orders: Provider;
  let registry: ZooKeeperRegistry;
  let transport: GrpcClientTransport;
  let bus: RedisStreamsEventBus;
  let engine: RouteEngine;
  let base: string;
  let grpcServer: GrpcServerTransport;
  const namespace = `esb-${process.pid}`;
  const placed: EventMessage[] = [];
  const dead: EventMessage[] = [];

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    [zk, redis] = await Promise.all([startZooKeeper({ tickTime: 500 }), startRedis()]);
    orders = await startProvider({ ZK: zk.connectionString, NAMESPACE: namespace, SERVICE: 'orders' });
    registry = new ZooKeeperRegistry({ connectionString: zk.connectionString, namespace, snapshotDir: false });
    transport = new GrpcClientTransport();
    bus = new RedisStreamsEventBus({ url: redis.primary.url, leaseMs: 1_000, blockMs: 100 });
    await bus.subscribe('order-placed', 'search-index', (m) => void placed.push(m), { from: 'earliest' });
    await bus.subscribe('esb.dead-letters', 'ops', (m) => void dead.push(m), { from: 'earliest' });
    engine = new RouteEngine({ registry, transports: [transport], bus });
    await engine.apply(ROUTES);
    base = (await engine.listen()).url;
  });

  afterAll(async () => {
    await engine?.close();
    await grpcServer?.stop();
    await bus?.close();
    await transport?.close();
    await registry?.close();
    await orders?.handle.stop(2_000).catch(() => {});
    await Promise.all([zk?.stop(), redis?.stop()]);
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('HTTP legacy JSON -> JSONata -> gRPC order service -> event on Redis Streams, answered as JSON, one trace', async () => {
    exporter.reset();
    const r = await fetch(`${base}/legacy/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(legacyOrder),
    });
    expect(r.status).toBe(200);
    const order = (await r.json()) as {
      orderId: string;
      total: number;
      currency: string;
      customerId: string;
      servedBy: string;
    };
    expect(order).toMatchObject({ customerId: 'C-42', currency: 'EUR', total: 39 });
    expect(order.servedBy).toBe(orders.id);
    expect(orders.handle.output()).toMatch(/called placeOrder/);

    await until(
      () => placed.some((m) => (m.value as { orderId: string }).orderId === order.orderId),
      10_000,
      'order-placed event',
    );
    const event = placed.find((m) => (m.value as { orderId: string }).orderId === order.orderId)!;
    expect(event.key).toBe(order.orderId);
    expect(event.headers['stages-route']).toBe('legacy-http-orders');

    // One trace: the route, its step, the gRPC call, the publish and the consumer's processing span.
    await until(
      () => exporter.getFinishedSpans().some((s) => s.name === 'process order-placed'),
      5_000,
      'consumer span',
    );
    const spans = exporter.getFinishedSpans();
    const routeSpan = spans.find((s) => s.name === 'esb.route legacy-http-orders')!;
    const traceId = routeSpan.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId).map((s) => s.name);
    console.log(`trace ${traceId}: ${inTrace.join(' > ')}`);
    expect(inTrace).toEqual(
      expect.arrayContaining([
        'POST /legacy/orders',
        'esb.route legacy-http-orders',
        'esb.step transform',
        'esb.to orders.placeOrder',
        'esb.to topic order-placed',
        'publish order-placed',
        'process order-placed',
      ]),
    );
  });

  it('event -> gRPC: a legacy order published on a topic is placed and announced', async () => {
    const before = placed.length;
    await bus.publish('legacy-orders', { ...legacyOrder, CUST_NO: 'C-77' }, { key: 'C-77' });
    await until(
      () => placed.slice(before).some((m) => (m.value as { customerId: string }).customerId === 'C-77'),
      10_000,
      'event-driven order',
    );
    const e = placed.slice(before).find((m) => (m.value as { customerId: string }).customerId === 'C-77')!;
    expect(e.value).toMatchObject({ total: 39, currency: 'EUR' });
    expect(e.headers['stages-route']).toBe('legacy-event-orders');
  });

  it('gRPC -> event: a call to the ESB gRPC service becomes an event', async () => {
    grpcServer = new GrpcServerTransport({ port: 0 });
    grpcServer.expose(engine.grpcService('esb-orders'));
    const { port } = await grpcServer.start();
    await registry.register({
      id: `127.0.0.1:${port}:esb`,
      service: 'esb-orders',
      host: '127.0.0.1',
      port,
      protocol: 'grpc',
      version: '1.0.0',
      group: '',
      weight: 100,
      tags: [],
      methods: ['submit'],
      startTime: Date.now(),
      metadata: {},
    });
    const submitted: EventMessage[] = [];
    await bus.subscribe('order-submitted', 'audit', (m) => void submitted.push(m), { from: 'earliest' });
    const client = new ServiceClient({ service: 'esb-orders', registry, transports: [transport] });
    const answer = await client.call('submit', { customerId: 'C-9', lines: [{ sku: 'x', qty: 1, price: 1 }] });
    expect(answer).toEqual({ customerId: 'C-9', lines: [{ sku: 'x', qty: 1, price: 1 }] });
    await until(() => submitted.length === 1, 10_000, 'order-submitted');
    expect(submitted[0]!.key).toBe('C-9');
    await client.close();
  });

  it('a rejected order is not retried, goes to the dead-letter topic, and the HTTP caller gets a problem', async () => {
    const r = await fetch(`${base}/legacy/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ CUST_NO: 'C-1', CCY: 'eur', ORDER_LINES: [] }),
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ code: 'INVALID_ARGUMENT', detail: 'an order needs a customer and lines' });
    await until(() => dead.length === 1, 10_000, 'dead letter');
    expect(dead[0]!.value).toMatchObject({
      route: 'legacy-http-orders',
      body: { CUST_NO: 'C-1' },
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(orders.handle.output().match(/called placeOrder/g)?.length).toBe(3); // two good orders + one rejected try
  });

  it('hot reload: an invalid document is rejected and the running routes keep serving', async () => {
    await expect(engine.apply(ROUTES.replace('$uppercase(CCY)', '$uppercase(CCY'))).rejects.toMatchObject({
      code: 'ROUTE_INVALID',
    });
    const r = await fetch(`${base}/legacy/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(legacyOrder),
    });
    expect(r.status).toBe(200);
    // A valid new version takes effect at once, on the same listener.
    await engine.apply(ROUTES.replace('/legacy/orders', '/v2/orders'));
    expect(
      (
        await fetch(`${base}/legacy/orders`, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(404);
    const v2 = await fetch(`${base}/v2/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(legacyOrder),
    });
    expect(v2.status).toBe(200);
  });
});

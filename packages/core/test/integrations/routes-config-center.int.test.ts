import { ConfigStore, ZkSession } from '@stages/config';
import { type EventMessage, type RouteDefinition, Rpc, route, Service, Stages, Subscribe } from '@stages/core';
import { startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const placed: unknown[] = [];
const announced: unknown[] = [];

@Service({ name: 'orders' })
class OrderService {
  @Rpc()
  async placeOrder(req: { customerId: string; qty: number }) {
    placed.push(req);
    return { orderId: `o-${placed.length}`, customerId: req.customerId, qty: req.qty };
  }

  @Subscribe('order-placed')
  async onPlaced(value: unknown, _message: EventMessage) {
    announced.push(value);
  }
}

/** The legacy format in, the order service's request out, the placed order announced on the app's bus. */
const legacy = (path: string, mapping: string): RouteDefinition =>
  route('legacy-orders')
    .fromHttp('POST', path)
    .transform(mapping)
    .toService('orders', 'placeOrder')
    .toTopic('order-placed', 'orderId')
    .build();

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** Polls until `check` holds; returns how long that took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within ${ms} ms`);
}

describe('ESB routes from the config center (real ZooKeeper), reloaded live', () => {
  let zk: ZooKeeperCluster;
  beforeAll(async () => {
    zk = await startZooKeeper();
  });
  afterAll(() => zk?.stop());

  it('serves, reloads on publish, keeps the running routes on an invalid publish, closes the port at stop', async () => {
    const namespace = `core-routes-${process.pid}`;
    const session = new ZkSession({ connectionString: zk.connectionString });
    const store = new ConfigStore(session);
    const scope = { namespace, app: 'esb' };
    const meta = { author: 'test', message: 'routes' };
    const legacyOrder = { CUST_NO: 'c-7', QTY: '3' };
    await store.publish(
      scope,
      { esb: { routes: [legacy('/legacy/orders', '{ "customerId": CUST_NO, "qty": $number(QTY) }')] } },
      meta,
    );

    const app = await Stages.create({
      services: [OrderService],
      config: {
        app: { name: 'esb' },
        admin: { enabled: false },
        configCenter: { zookeeper: zk.connectionString, namespace, app: 'esb', snapshotPath: false },
        esb: { http: { port: 0 } },
      },
      handleSignals: false,
    }).start();
    let url = '';
    try {
      const routes = app.routes;
      expect(routes?.routes).toEqual(['legacy-orders']);
      url = routes?.address?.url ?? '';

      // HTTP JSON in -> JSONata -> the local service through the app's client -> the answer, and an event out.
      expect(await post(`${url}/legacy/orders`, legacyOrder)).toEqual({
        status: 200,
        body: { orderId: 'o-1', customerId: 'c-7', qty: 3 },
      });
      await within(1_000, async () => announced.length === 1);
      expect(announced[0]).toEqual({ orderId: 'o-1', customerId: 'c-7', qty: 3 });

      // A new mapping and a new path, published to ZooKeeper: live within a second, no restart.
      await store.publish(
        scope,
        {
          esb: {
            routes: [legacy('/v2/orders', '{ "customerId": $uppercase(CUST_NO), "qty": $number(QTY) * 10 }')],
          },
        },
        meta,
      );
      const tookMs = await within(1_000, async () => (await post(`${url}/v2/orders`, legacyOrder)).status === 200);
      expect((await post(`${url}/v2/orders`, legacyOrder)).body).toMatchObject({ customerId: 'C-7', qty: 30 });
      expect((await post(`${url}/legacy/orders`, legacyOrder)).status).toBe(404);
      expect(tookMs).toBeLessThan(1_000);

      // A broken JSONata expression: rejected by the engine, the v2 route keeps serving unchanged.
      await store.publish(scope, { esb: { routes: [legacy('/v3/orders', '{ "customerId": ')] } }, meta);
      await within(1_000, async () => routes?.engine.lastRejection !== undefined);
      expect(routes?.engine.lastRejection?.code).toBe('ROUTE_INVALID');
      expect(routes?.engine.lastRejection?.message).toMatch(/legacy-orders/);
      expect(routes?.routes).toEqual(['legacy-orders']);
      expect((await post(`${url}/v2/orders`, legacyOrder)).body).toMatchObject({ customerId: 'C-7', qty: 30 });
      expect((await post(`${url}/v3/orders`, legacyOrder)).status).toBe(404);
    } finally {
      await app.stop();
      session.close();
    }
    // The HTTP listener closed with the app.
    await expect(fetch(`${url}/v2/orders`, { method: 'POST' })).rejects.toThrow();
  });
});

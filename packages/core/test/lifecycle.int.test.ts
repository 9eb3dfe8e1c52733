import { type LifecycleEvent, Stages } from '@stages/core';
import { ZooKeeperRegistry } from '@stages/registry';
import { GrpcServerTransport, SERVING_STATUS } from '@stages/rpc';
import { startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryApi, InventoryService } from './fixtures/shop.js';

describe('graceful stop against a real ZooKeeper, with a call in flight', () => {
  let zk: ZooKeeperCluster;
  const namespace = `core-lifecycle-${process.pid}`;
  beforeAll(async () => {
    zk = await startZooKeeper();
  });
  afterAll(() => zk?.stop());

  it('goes unready, deregisters, lets the call finish, then closes, in that order', async () => {
    const registry = {
      type: 'zookeeper',
      options: { connectionString: zk.connectionString, namespace, snapshotDir: false },
    };
    const transport = new GrpcServerTransport({ port: 0 });
    const provider = await Stages.create({
      services: [InventoryService],
      transport,
      config: { app: { name: 'inventory' }, registry, drainTimeoutMs: 5_000, deregisterGraceMs: 300 },
      handleSignals: false,
    }).start();
    const consumer = await Stages.create({
      services: [],
      config: { app: { name: 'consumer' }, registry, admin: { enabled: false } },
      handleSignals: false,
    }).start();
    // An independent watcher of the registry, as any other consumer instance would be.
    const watcher = new ZooKeeperRegistry({ connectionString: zk.connectionString, namespace, snapshotDir: false });

    const t0 = performance.now();
    const seen: { event: string; at: number }[] = [];
    const mark = (event: string) => seen.push({ event, at: performance.now() - t0 });
    try {
      let registeredOnce = false;
      const gone = new Promise<void>((resolve) => {
        watcher.subscribe('inventory', ({ providers }) => {
          if (providers.length > 0) registeredOnce = true;
          else if (registeredOnce) {
            mark('watcher saw no provider');
            resolve();
          }
        });
      });
      const inventory = consumer.client<InventoryApi>(InventoryApi);
      const ready = `http://127.0.0.1:${provider.adminAddress!.port}/health/ready`;
      expect((await fetch(ready)).status).toBe(200);
      expect(transport.health.status('')).toBe(SERVING_STATUS.SERVING);
      await expect(inventory.stock({ sku: 'sku-1' })).resolves.toMatchObject({ count: 7 });

      const slow = inventory.slow({ ms: 800 }).then((r) => {
        mark('in-flight call finished');
        return r;
      });
      while (provider.inFlight() === 0) await new Promise((r) => setTimeout(r, 5));

      provider.onLifecycle((event: LifecycleEvent) => mark(event));
      const stopped = provider.stop();
      // Readiness flips at once, before anything else happens.
      expect((await fetch(ready)).status).toBe(503);
      expect(transport.health.status('')).toBe(SERVING_STATUS.NOT_SERVING);
      await gone;
      // Deregistered, not yet drained: the call is still running. New calls keep succeeding until this
      // consumer has seen the change (the grace period covers its lag); then it finds no provider, and never
      // hits a server that refuses calls.
      expect(provider.inFlight()).toBe(1);
      let refused: unknown;
      while (refused === undefined)
        refused = await inventory.stock({ sku: 'sku-1' }).then(
          () => undefined,
          (e) => e,
        );
      expect(refused).toMatchObject({ code: 'NO_PROVIDER' });
      expect(provider.inFlight()).toBe(1);

      await expect(slow).resolves.toEqual({ slept: 800 });
      await stopped;
      const order = seen.map((s) => s.event);
      expect(order).toEqual([
        'draining',
        'deregistered',
        'watcher saw no provider',
        'in-flight call finished',
        'drained',
        'clients-closed',
        'hooks-done',
        'stopped',
      ]);
    } finally {
      await provider.stop();
      await consumer.stop();
      await watcher.close();
    }
  });
});

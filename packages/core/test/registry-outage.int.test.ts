import { Stages } from '@stages/core';
import { ZooKeeperRegistry } from '@stages/registry';
import { GrpcServerTransport } from '@stages/rpc';
import { startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryService } from './fixtures/shop.js';

describe('a provider starting while ZooKeeper is down', () => {
  let zk: ZooKeeperCluster;
  const namespace = `core-outage-${process.pid}`;
  beforeAll(async () => {
    zk = await startZooKeeper();
  });
  afterAll(() => zk?.stop());

  it('starts, serves, and appears in the registry once ZooKeeper returns', async () => {
    await zk.servers[0]!.stop();
    const provider = await Stages.create({
      services: [InventoryService],
      transport: new GrpcServerTransport({ port: 0 }),
      config: {
        app: { name: 'inventory' },
        registry: {
          type: 'zookeeper',
          options: { connectionString: zk.connectionString, namespace, snapshotDir: false, operationTimeoutMs: 1_000 },
        },
        admin: { enabled: false },
      },
      handleSignals: false,
    }).start();
    const watcher = new ZooKeeperRegistry({ connectionString: zk.connectionString, namespace, snapshotDir: false });
    try {
      expect(provider.inFlight()).toBe(0);
      await zk.servers[0]!.restart();
      const seen = await new Promise<number>((resolve) => {
        watcher.subscribe('inventory', ({ providers }) => {
          if (providers.length > 0) resolve(providers.length);
        });
      });
      expect(seen).toBe(1);
    } finally {
      await watcher.close();
      await provider.stop();
    }
  }, 60_000);
});

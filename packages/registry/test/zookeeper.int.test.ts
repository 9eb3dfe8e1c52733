import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperRegistry, type ZooKeeperRegistryOptions } from '../src/index.js';
import { registryContract } from './contract.js';
import { instance } from './helpers.js';

let zk: ZooKeeperCluster;
beforeAll(async () => {
  zk = await startZooKeeper();
});
afterAll(async () => {
  await zk?.stop();
});

export function zkOptions(extra: Partial<ZooKeeperRegistryOptions> = {}): ZooKeeperRegistryOptions {
  return {
    connectionString: `${zk.connectionString}/contract`,
    namespace: 'contract',
    sessionTimeoutMs: 6_000,
    snapshotDir: mkdtempSync(join(tmpdir(), 'stages-registry-')),
    ...extra,
  };
}

// The consumer and the writer are separate sessions, as a consumer and a provider process would be.
registryContract('zookeeper', async (seed) => {
  const writer = new ZooKeeperRegistry(zkOptions());
  const consumer = new ZooKeeperRegistry(zkOptions());
  for (const p of seed) await writer.register(p);
  return {
    consumer,
    writer,
    async close() {
      await Promise.all([consumer.close(), writer.close()]);
    },
  };
});

describe('ZooKeeper registry: directories', () => {
  it('lets several processes race to create the same brand-new directories', async () => {
    const namespace = `race${Date.now().toString(36)}`;
    const racers = Array.from({ length: 4 }, () => new ZooKeeperRegistry(zkOptions({ namespace })));
    try {
      const all = Array.from({ length: 100 }, (_, k) => instance({ service: `svc${k % 5}` }));
      // Every racer starts on every service at once: each level is created by one and NODE_EXISTS for the rest.
      await Promise.all(all.map((p, k) => racers[k % racers.length]!.register(p)));
      const reader = racers[0]!;
      const found = await Promise.all([0, 1, 2, 3, 4].map((s) => reader.lookup(`svc${s}`)));
      expect(
        found
          .flat()
          .map((p) => p.id)
          .sort(),
      ).toEqual(all.map((p) => p.id).sort());
      expect(await reader.services()).toEqual(['svc0', 'svc1', 'svc2', 'svc3', 'svc4']);
    } finally {
      await Promise.all(racers.map((r) => r.close()));
    }
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll } from 'vitest';
import { ZooKeeperRegistry, type ZooKeeperRegistryOptions } from '../src/index.js';
import { registryContract } from './contract.js';

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

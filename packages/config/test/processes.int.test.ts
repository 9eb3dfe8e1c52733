import { type ProcessHandle, startProcess, startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigStore, ZkSession } from '../src/index.js';

const meta = { author: 'test', message: 'processes' };

describe('three instance processes on a real ZooKeeper', { timeout: 120_000 }, () => {
  let zk: ZooKeeperCluster;
  let session: ZkSession;
  let store: ConfigStore;
  let instances: ProcessHandle[] = [];
  const scope = { namespace: 'procs', app: 'orders' };

  beforeAll(async () => {
    zk = await startZooKeeper();
    session = new ZkSession({ connectionString: zk.connectionString });
    await session.waitConnected(10_000);
    store = new ConfigStore(session);
    await store.publish(scope, { greeting: 'v1', db: { pool: { max: 3 } } }, meta);
    instances = await Promise.all(
      ['p1', 'p2', 'p3'].map((id) =>
        startProcess({
          args: [
            'packages/config/test/fixtures/instance.ts',
            zk.connectionString,
            'procs',
            id,
            id === 'p1' ? 'canary' : '',
          ],
          env: { STAGES_LOG_LEVEL: 'silent' },
          ready: /ready p\d greeting=v1 max=3 v=1/,
          readyTimeoutMs: 60_000,
        }),
      ),
    );
  });

  afterAll(async () => {
    await Promise.all(instances.map((p) => p.stop()));
    session?.close();
    await zk?.stop();
  });

  it('all see a publish; all reject an invalid one; a rollback restores; a gray version reaches only the canary until promoted', async () => {
    await store.publish(scope, { greeting: 'v2', db: { pool: { max: 9 } } }, meta);
    await Promise.all(instances.map((p) => p.waitFor(/change p\d greeting=v2 max=9 v=2/, 10_000)));

    await store.publish(scope, { greeting: 'v3', db: { pool: { max: 0 } } }, meta);
    await Promise.all(instances.map((p) => p.waitFor(/rejected p\d greeting=v2 max=9 v=2/, 10_000)));

    await store.rollback(scope, 1, meta);
    await Promise.all(instances.map((p) => p.waitFor(/change p\d greeting=v1 max=3 v=4/, 10_000)));

    await store.publishGray(scope, { greeting: 'gray', db: { pool: { max: 3 } } }, { tags: ['canary'] }, meta);
    const [canary, ...others] = instances;
    await canary?.waitFor(/change p1 greeting=gray max=3 v=5/, 10_000);
    await store.promote(scope);
    await Promise.all(others.map((p) => p.waitFor(/change p\d greeting=gray max=3 v=5/, 10_000)));
    for (const p of others) expect(p.output()).not.toMatch(/greeting=v3/);
    // The canary already ran v5: promote changes nothing it can see.
    expect(canary?.output().match(/greeting=gray/g)).toHaveLength(1);
  });
});

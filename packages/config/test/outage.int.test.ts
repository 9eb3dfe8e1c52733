import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigStore, ZkSession } from '../src/index.js';
import { startInstance, tempDir, until } from './fixtures/helpers.js';

const meta = { author: 'test', message: 'outage' };

describe('central config through a ZooKeeper outage', () => {
  let zk: ZooKeeperCluster;
  const dir = tempDir();

  beforeAll(async () => {
    zk = await startZooKeeper();
  });
  afterAll(async () => {
    await zk?.stop();
  });

  async function publish(document: Record<string, unknown>) {
    const session = new ZkSession({ connectionString: zk.connectionString });
    try {
      await session.waitConnected(10_000);
      return await new ConfigStore(session).publish({ namespace: 'outage', app: 'orders' }, document, meta);
    } finally {
      session.close();
    }
  }

  it('starts from the snapshot when down, fails with CONFIG_MISSING without one, keeps values while down and catches up after', async () => {
    const snapshot = join(dir, 'orders.json');
    const oldSnapshot = join(dir, 'orders-old.json');
    await publish({ greeting: 'v1' });
    const running = await startInstance({
      zk: zk.connectionString,
      namespace: 'outage',
      id: 'a',
      snapshotPath: snapshot,
    });
    try {
      expect(existsSync(snapshot)).toBe(true);
      copyFileSync(snapshot, oldSnapshot); // what an instance that last ran at v1 has on disk
      await publish({ greeting: 'v2' });
      await until(
        () => running.get<string>('greeting'),
        (v) => v === 'v2',
      );

      const server = zk.servers[0];
      if (!server) throw new Error('no server');
      await server.stop();

      // Down while running: the value stays.
      await new Promise((r) => setTimeout(r, 300));
      expect(running.get('greeting')).toBe('v2');

      // Down at start: the snapshot serves, or start fails when central config is required and none exists.
      const late = await startInstance({
        zk: zk.connectionString,
        namespace: 'outage',
        id: 'b',
        snapshotPath: oldSnapshot,
        connectTimeoutMs: 500,
      });
      await expect(
        startInstance({
          zk: zk.connectionString,
          namespace: 'outage',
          id: 'c',
          snapshotPath: join(dir, 'none.json'),
          required: true,
          connectTimeoutMs: 500,
        }),
      ).rejects.toMatchObject({ code: 'CONFIG_MISSING' });
      try {
        expect(late.get('greeting')).toBe('v1');
        expect(late.explain('greeting')).toMatchObject({ layer: 'app', version: 1 });

        // Back again: the late instance catches up on v2, which it missed, with no new publish.
        await server.restart();
        await until(
          () => late.get<string>('greeting'),
          (v) => v === 'v2',
          15_000,
        );

        // Both resume watching.
        await publish({ greeting: 'v3' });
        await until(
          () => running.get<string>('greeting'),
          (v) => v === 'v3',
          15_000,
        );
        await until(
          () => late.get<string>('greeting'),
          (v) => v === 'v3',
          15_000,
        );
      } finally {
        await late.close();
      }
    } finally {
      await running.close();
    }
  });
});

describe('central config on a three-node ensemble', () => {
  it('rides out the leader being killed: values stay, publishes after the election still arrive', async () => {
    const zk = await startZooKeeper({ nodes: 3 });
    const instances = await Promise.all(
      ['e1', 'e2', 'e3'].map((id) => startInstance({ zk: zk.connectionString, namespace: 'ensemble', id })),
    );
    const session = new ZkSession({ connectionString: zk.connectionString });
    try {
      await session.waitConnected(10_000);
      const store = new ConfigStore(session);
      const scope = { namespace: 'ensemble', app: 'orders' };
      await store.publish(scope, { greeting: 'before' }, meta);
      for (const c of instances)
        await until(
          () => c.get<string>('greeting'),
          (v) => v === 'before',
        );

      await (await zk.leader()).kill();
      for (const c of instances) expect(c.get('greeting')).toBe('before');

      // Writes need a quorum again: retry the publish until the new leader takes it.
      let published = false;
      for (let attempt = 0; attempt < 50 && !published; attempt++) {
        published = await store.publish(scope, { greeting: 'after' }, meta).then(
          () => true,
          () => new Promise<boolean>((r) => setTimeout(() => r(false), 200)),
        );
      }
      expect(published).toBe(true);
      for (const c of instances)
        await until(
          () => c.get<string>('greeting'),
          (v) => v === 'after',
          15_000,
        );
    } finally {
      session.close();
      await Promise.all(instances.map((c) => c.close()));
      await zk.stop();
    }
  });
});

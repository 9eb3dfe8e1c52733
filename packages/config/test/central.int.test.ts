import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindConfig, Config, ConfigStore, type LayeredConfig, toJsonSchema, ZkSession } from '../src/index.js';
import { type Orders, ordersSchema, startInstance, tempDir, until } from './fixtures/helpers.js';

const WRITER = 'ops:s3cret';
const meta = { author: 'test', message: 'integration' };

describe('central config on a real ZooKeeper', () => {
  let zk: ZooKeeperCluster;
  let admin: ZkSession;
  let store: ConfigStore;

  beforeAll(async () => {
    zk = await startZooKeeper();
    admin = new ZkSession({ connectionString: zk.connectionString, credential: WRITER });
    await admin.waitConnected(10_000);
    store = new ConfigStore(admin);
  });

  afterAll(async () => {
    admin?.close();
    await zk?.stop();
  });

  async function threeInstances(namespace: string, profile?: string): Promise<LayeredConfig<Orders>[]> {
    return Promise.all(
      ['orders-1', 'orders-2', 'orders-3'].map((id, i) =>
        startInstance({
          zk: zk.connectionString,
          namespace,
          id,
          tags: i === 0 ? ['canary'] : [],
          ...(profile ? { profile } : {}),
        }),
      ),
    );
  }

  it('layers central shared < app < profile < env over file defaults, and says where each value came from', async () => {
    const ns = 'layers';
    await store.publish({ namespace: ns }, { greeting: 'shared', db: { pool: { min: 1 } } }, meta);
    await store.publish({ namespace: ns, app: 'orders' }, { greeting: 'app', db: { pool: { max: 6 } } }, meta);
    await store.publish({ namespace: ns, app: 'orders', profile: 'prod' }, { db: { pool: { max: 8 } } }, meta);
    const file = join(tempDir(), 'application.yaml');
    writeFileSync(file, 'greeting: file\nfeatures:\n  fromFile: true\n');
    const config = await startInstance({
      zk: zk.connectionString,
      namespace: ns,
      id: 'x',
      profile: 'prod',
      file,
      env: { STAGES__DB__POOL__MIN: '3' },
    });
    try {
      expect(config.get()).toMatchObject({ greeting: 'app', db: { pool: { max: 8, min: 3 } } });
      expect(config.explain('db.pool.max')).toMatchObject({
        layer: 'profile',
        version: 1,
        layers: [{ layer: 'defaults' }, { layer: 'app' }, { layer: 'profile' }],
      });
      expect(config.explain('db.pool.min')).toMatchObject({ layer: 'env', value: 3 });
      expect(config.explain('greeting')).toMatchObject({
        layer: 'app',
        value: 'app',
        layers: [{ layer: 'file' }, { layer: 'shared' }, { layer: 'app' }],
      });
      expect(config.explain('features.fromFile')).toMatchObject({ layer: 'file', value: true });
    } finally {
      await config.close();
    }
  });

  it('reaches three instances with one publish; a multi-key change is never seen half-applied', async () => {
    const ns = 'propagate';
    await store.publish({ namespace: ns, app: 'orders' }, { db: { pool: { max: 5, min: 5 } } }, meta);
    const instances = await threeInstances(ns);
    try {
      const seen: [number, number][][] = instances.map(() => []);
      for (const [i, c] of instances.entries()) {
        c.onChange('', () => {
          seen[i]?.push([c.get('db.pool.max'), c.get('db.pool.min')]);
        });
      }
      class Pool {
        @Config('db.pool.max') max!: number;
      }
      const pools = instances.map((c) => bindConfig(new Pool(), c));
      for (const n of [6, 7, 8])
        await store.publish({ namespace: ns, app: 'orders' }, { db: { pool: { max: n, min: n } } }, meta);
      for (const pool of pools)
        await until(
          () => pool.max,
          (v) => v === 8,
        );
      for (const c of instances)
        await until(
          () => c.get<number>('db.pool.max'),
          (v) => v === 8,
        );
      for (const pairs of seen) {
        expect(pairs.every(([max, min]) => max === min)).toBe(true);
        // In order: versions may coalesce (a watch fires once for several quick writes) but never go back.
        expect(pairs.map(([max]) => max)).toEqual([...pairs.map(([max]) => max)].sort());
        expect(pairs.at(-1)).toEqual([8, 8]);
      }
    } finally {
      await Promise.all(instances.map((c) => c.close()));
    }
  });

  it('an invalid publish is rejected by every instance and changes nothing; rollback restores the old value', async () => {
    const ns = 'invalid';
    const scope = { namespace: ns, app: 'orders' };
    const good = await store.publish(scope, { db: { pool: { max: 10 } } }, meta);
    const instances = await threeInstances(ns);
    try {
      const rejections: number[] = [0, 0, 0];
      for (const [i, c] of instances.entries()) {
        c.onRejected(() => {
          rejections[i] = (rejections[i] ?? 0) + 1;
        });
      }
      await store.publish(scope, { db: { pool: { max: 20 } } }, meta);
      for (const c of instances)
        await until(
          () => c.get<number>('db.pool.max'),
          (v) => v === 20,
        );

      // Bypasses the CLI's own check on purpose: the instances are the last line of defence.
      await store.publish(scope, { db: { pool: { max: 0 } }, greeting: 42 }, meta);
      await until(
        () => rejections,
        (r) => r.every((n) => n === 1),
      );
      for (const c of instances) {
        expect(c.get('db.pool.max')).toBe(20);
        expect(c.get('greeting')).toBe('hello');
      }

      const rolled = await store.rollback(scope, good.version, meta);
      expect(rolled).toMatchObject({ kind: 'rollback', from: good.version, version: good.version + 3 });
      for (const c of instances)
        await until(
          () => c.get<number>('db.pool.max'),
          (v) => v === 10,
        );
      expect((await store.history(scope)).map((r) => r.version)).toEqual([4, 3, 2, 1]);
    } finally {
      await Promise.all(instances.map((c) => c.close()));
    }
  });

  it('gray release reaches the tagged instance only, then everyone on promote; abandon sends it back', async () => {
    const ns = 'gray';
    const scope = { namespace: ns, app: 'orders' };
    await store.publish(scope, { greeting: 'v1' }, meta);
    const [canary, b, c] = await threeInstances(ns);
    if (!canary || !b || !c) throw new Error('three instances expected');
    try {
      await store.publishGray(scope, { greeting: 'v2' }, { tags: ['canary'] }, meta);
      await until(
        () => canary.get<string>('greeting'),
        (v) => v === 'v2',
      );
      expect(canary.explain('greeting')).toMatchObject({ layer: 'app', version: 2, gray: true });
      // A later, unrelated publish would have reached b and c by now; the gray one never does.
      await store.publish({ namespace: ns }, { features: { probe: true } }, meta);
      await until(
        () => c.feature('probe'),
        (v) => v,
      );
      expect([b.get('greeting'), c.get('greeting')]).toEqual(['v1', 'v1']);

      await store.promote(scope);
      for (const x of [canary, b, c])
        await until(
          () => x.get<string>('greeting'),
          (v) => v === 'v2',
        );
      expect(await store.gray(scope)).toBeUndefined();

      await store.publishGray(scope, { greeting: 'v3' }, { instances: ['orders-3'] }, meta);
      await until(
        () => c.get<string>('greeting'),
        (v) => v === 'v3',
      );
      await store.abandon(scope);
      await until(
        () => c.get<string>('greeting'),
        (v) => v === 'v2',
      );
      expect(canary.get('greeting')).toBe('v2');
    } finally {
      await Promise.all([canary, b, c].map((x) => x.close()));
    }
  });

  it('numbers concurrent publishes without gaps or losses', async () => {
    const scope = { namespace: 'race', app: 'orders' };
    const records = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => store.publish(scope, { db: { pool: { max: n } } }, meta)),
    );
    expect(records.map((r) => r.version).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await store.history(scope)).map((r) => r.version)).toEqual([5, 4, 3, 2, 1]);
    const last = records.find((r) => r.version === 5);
    expect((await store.current(scope))?.document).toEqual(last?.document);
  });

  it('at start: required central config must exist; live config that fails the schema yields to a good snapshot', async () => {
    await expect(
      startInstance({ zk: zk.connectionString, namespace: 'empty', id: 'x', required: true }),
    ).rejects.toMatchObject({
      code: 'CONFIG_MISSING',
    });
    const scope = { namespace: 'badstart', app: 'orders' };
    const snapshotPath = join(tempDir(), 'snap.json');
    await store.publish(scope, { greeting: 'good' }, meta);
    const first = await startInstance({ zk: zk.connectionString, namespace: 'badstart', id: 'x', snapshotPath });
    await first.close();
    await store.publish(scope, { greeting: 42 }, meta);
    await expect(
      startInstance({ zk: zk.connectionString, namespace: 'badstart', id: 'y', snapshotPath: false }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    const second = await startInstance({ zk: zk.connectionString, namespace: 'badstart', id: 'z', snapshotPath });
    try {
      expect(second.get('greeting')).toBe('good');
      await store.publish(scope, { greeting: 'fixed' }, meta);
      await until(
        () => second.get<string>('greeting'),
        (v) => v === 'fixed',
      );
    } finally {
      await second.close();
    }
  });

  it('only holders of the write credential can publish; anyone can read', async () => {
    const scope = { namespace: 'locked', app: 'orders' };
    await store.publish(scope, { greeting: 'locked' }, meta);
    await store.registerSchema('locked', 'orders', toJsonSchema(ordersSchema));
    for (const credential of [undefined, 'ops:wrong', 'intruder:s3cret']) {
      const session = new ZkSession({ connectionString: zk.connectionString, ...(credential ? { credential } : {}) });
      try {
        await session.waitConnected(5000);
        const outsider = new ConfigStore(session);
        expect((await outsider.current(scope))?.document).toEqual({ greeting: 'locked' });
        await expect(outsider.publish(scope, { greeting: 'hacked' }, meta)).rejects.toMatchObject({
          code: 'PERMISSION_DENIED',
        });
        await expect(
          outsider.publish({ ...scope, profile: 'new' }, { greeting: 'hacked' }, meta),
        ).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
        await expect(outsider.registerSchema('locked', 'orders', {})).rejects.toMatchObject({
          code: 'PERMISSION_DENIED',
        });
      } finally {
        session.close();
      }
    }
    expect((await store.current(scope))?.document).toEqual({ greeting: 'locked' });
  });
});

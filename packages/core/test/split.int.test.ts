import { runWithContext, Stages } from '@stages/core';
import { type ProcessHandle, startProcess, startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogApi, CatalogService, InventoryService } from './fixtures/shop.js';

/** The same calls, run against whichever deployment; errors are compared by code and message. */
async function exercise(catalog: CatalogApi) {
  const settle = (p: Promise<unknown>) =>
    p.then(
      (value) => ({ value }),
      (error: { code?: string; message?: string }) => ({ error: { code: error.code, message: error.message } }),
    );
  return {
    one: await settle(runWithContext({ caller: 'alice' }, () => catalog.getProduct({ id: '1' }))),
    two: await settle(catalog.getProduct({ id: '2' })),
    missing: await settle(catalog.getProduct({ id: '9' })),
    invalid: await settle(catalog.getProduct({ id: 'abc' }).catch((e) => Promise.reject({ code: e.code }))),
  };
}

describe('the same services, in one process and as separate processes', () => {
  let zk: ZooKeeperCluster;
  const processes: ProcessHandle[] = [];
  beforeAll(async () => {
    zk = await startZooKeeper();
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await zk?.stop();
  });

  it('gives the same results in monolith mode and over gRPC + ZooKeeper', async () => {
    const monolith = await Stages.create({
      services: [CatalogService, InventoryService],
      handleSignals: false,
    }).start();
    let inProcess: Awaited<ReturnType<typeof exercise>>;
    try {
      expect(monolith.mode).toBe('monolith');
      inProcess = await exercise(monolith.client<CatalogApi>(CatalogApi));
    } finally {
      await monolith.stop();
    }

    const env = { STAGES_ZK: zk.connectionString, STAGES_NS: `core-split-${process.pid}`, STAGES_LOG_LEVEL: 'warn' };
    const start = (name: string) =>
      startProcess({ args: ['packages/core/test/fixtures/serve.ts', name], env, ready: /ready \d+/ });
    processes.push(...(await Promise.all([start('inventory'), start('catalog')])));

    const consumer = await Stages.create({
      services: [],
      config: {
        app: { name: 'edge' },
        registry: {
          type: 'zookeeper',
          options: { connectionString: zk.connectionString, namespace: env.STAGES_NS, snapshotDir: false },
        },
        admin: { enabled: false },
      },
      handleSignals: false,
    }).start();
    let remote: Awaited<ReturnType<typeof exercise>>;
    try {
      expect(consumer.mode).toBe('distributed');
      remote = await exercise(consumer.client<CatalogApi>(CatalogApi));
    } finally {
      await consumer.stop();
    }

    expect(inProcess.one).toEqual({ value: { id: '1', name: 'Product 1', inStock: 7, seenBy: 'alice' } });
    expect(inProcess.missing).toEqual({ error: { code: 'NOT_FOUND', message: 'no sku sku-9' } });
    expect(inProcess.invalid).toEqual({ error: { code: 'INVALID_ARGUMENT' } });
    expect(remote).toEqual(inProcess);

    // SIGTERM stops a service process gracefully (exit 0).
    const exit = await processes[0]!.stop();
    expect(exit).toMatchObject({ code: 0 });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type PostgresCluster,
  type ProcessHandle,
  type RedisCluster,
  startPostgres,
  startProcess,
  startRedis,
  startZooKeeper,
  type ZooKeeperCluster,
} from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type FlowResult, runFlows } from './flows.js';

const quiet = { STAGES_LOG_LEVEL: 'warn' };

async function startShop(stage: number, env: Record<string, string>): Promise<{ shop: ProcessHandle; base: string }> {
  const shop = await startProcess({
    args: ['examples/shop/src/main.ts', '--stage', String(stage), '--port', '0'],
    env: { ...quiet, ...env },
    ready: /storefront: http:\/\/\S+/,
    readyTimeoutMs: 150_000,
  });
  const base = /storefront: (http:\/\/\S+)/.exec(shop.output())?.[1] as string;
  return { shop, base };
}

/** Bounded load: `workers` loops of browse + product + search until stopped; counts answers and failures. */
function load(base: string, workers = 4) {
  const stats = { ok: 0, failed: [] as string[] };
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i++) {
      const id = `p${String(((i * workers + w) % 300) + 1).padStart(4, '0')}`;
      for (const path of [`/api/products/${id}`, '/api/products?limit=5', '/api/search?q=oak']) {
        try {
          const { status, data } = await api(base, 'GET', path);
          if (status === 200) stats.ok++;
          else stats.failed.push(`${path} ${status} ${(data as { code?: string })?.code}`);
        } catch (error) {
          stats.failed.push(`${path} ${(error as Error).message}`);
        }
      }
    }
  });
  return {
    stats,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('the shop over HTTP: stage 1 and stage 12 give the same results', () => {
  let stage1: FlowResult;
  let zk: ZooKeeperCluster;
  let pg: PostgresCluster;
  let redis: RedisCluster;
  let shop12: ProcessHandle | undefined;
  let base12: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'shop-e2e-'));

  beforeAll(async () => {
    [zk, pg, redis] = await Promise.all([startZooKeeper({ nodes: 3 }), startPostgres({ replica: true }), startRedis()]);
  }, 120_000);
  afterAll(async () => {
    await shop12?.stop(10_000);
    await Promise.all([zk?.stop(), pg?.stop(), redis?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stage 1: one process on SQLite runs every flow', async () => {
    let page = { status: 0, type: '', html: '' };
    const { shop } = await startShop(1, { SHOP_DATA_DIR: dataDir }).then(async (s) => {
      stage1 = await runFlows(s.base, 'stage1');
      // The storefront page shares the gateway's port with the JSON API (the gateway's `configure` option).
      const res = await fetch(`${s.base}/`);
      page = { status: res.status, type: res.headers.get('content-type') ?? '', html: await res.text() };
      return s;
    });
    await shop.stop();
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    expect(page.html).toContain('/api/products');
    expect(stage1.firstPage[0]).toBe('p0001 Oak Desk Lamp');
    expect(stage1.total).toBe(300);
    expect(stage1.search.length).toBeGreaterThan(0);
    expect(stage1).toMatchObject({ editFoundBySearch: true, signedUp: true, stockTaken: 2 });
    expect(stage1.history).toEqual([{ items: 2, totalCents: stage1.orderTotalCents }]);
    expect(stage1.errors).toEqual({
      duplicateSignUp: 'ALREADY_EXISTS',
      wrongPassword: 'UNAUTHENTICATED',
      orderWithoutToken: 'UNAUTHENTICATED',
      emptyOrder: 'INVALID_ARGUMENT',
      unknownProduct: 'NOT_FOUND',
      outOfStock: 'FAILED_PRECONDITION',
    });
  }, 180_000);

  it('stage 12: separate processes over ZooKeeper, gRPC, Redis and PostgreSQL with a replica give the same results', async () => {
    const started = await startShop(12, {
      SHOP_ZOOKEEPER: zk.connectionString,
      SHOP_POSTGRES_URL: pg.primary.url,
      SHOP_POSTGRES_REPLICA_URL: pg.replica?.url as string,
      SHOP_REDIS_URL: redis.primary.url,
    });
    shop12 = started.shop;
    base12 = started.base;
    expect(shop12.output()).toMatch(/started catalog \(pid \d+\)[\s\S]*started catalog \(pid \d+\)/);
    const stage12 = await runFlows(base12, 'stage12');
    expect(stage12).toEqual(stage1);
  }, 240_000);

  it('stage 12 under load: a catalog instance SIGKILLed, then the ZooKeeper leader; the flows keep working', async () => {
    expect(base12).toBeDefined();
    const catalogPids = [...(shop12 as ProcessHandle).output().matchAll(/started catalog \(pid (\d+)\)/g)].map((m) =>
      Number(m[1]),
    );
    const traffic = load(base12);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    process.kill(catalogPids[0] as number, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const afterCatalogKill = await runFlows(base12, 'afterCatalogKill');
    await (await zk.leader()).kill();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const afterLeaderKill = await runFlows(base12, 'afterLeaderKill');
    await traffic.stop();

    for (const result of [afterCatalogKill, afterLeaderKill]) {
      expect(result).toMatchObject({ editFoundBySearch: true, signedUp: true, stockTaken: 2, errors: stage1.errors });
    }
    console.log(
      `load during the kills: ${traffic.stats.ok} ok, ${traffic.stats.failed.length} failed`,
      traffic.stats.failed.slice(0, 5),
    );
    expect(traffic.stats.ok).toBeGreaterThan(50);
    // Reads are idempotent and fail over to the surviving instance: a failed request is a bug, not bad luck.
    expect(traffic.stats.failed).toEqual([]);
  }, 120_000);

  it("stage 12 stopped: the search instances' broadcast consumer groups leave Redis with them", async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.primary.url);
    const groups = async () => {
      const names: string[] = [];
      for (let p = 0; p < 4; p++) {
        const infos = (await client.call(
          'XINFO',
          'GROUPS',
          `stages:events:catalog.product-changed:p${p}`,
        )) as unknown[][];
        names.push(...infos.map((info) => String(info[info.indexOf('name') + 1])));
      }
      return names;
    };
    try {
      expect((await groups()).filter((g) => g.startsWith('search-')).length).toBeGreaterThan(0);
      await shop12?.stop(10_000);
      shop12 = undefined;
      expect(await groups()).toEqual([]);
    } finally {
      client.disconnect();
    }
  }, 60_000);
});

import { type ProcessHandle, type RedisCluster, startProcess, startRedis } from '@stages/test-harness';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface WorkerResult {
  loaderCalls: number;
  errors: number;
  distinct: number;
  lockWaits: number;
}

// 1,000 concurrent misses for one key, spread over 4 real processes (250 each), each with its own cache.
describe('stampede across processes (real Redis)', () => {
  let redis: RedisCluster;
  let client: Redis;
  let workers: ProcessHandle[];

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.primary.url);
    workers = await Promise.all(
      Array.from({ length: 4 }, () =>
        startProcess({
          args: ['packages/cache/test/fixtures/stampede-worker.ts'],
          env: { REDIS_URL: redis.primary.url, CONCURRENCY: '250', STAGES_LOG_LEVEL: 'warn' },
          ready: /ready/,
          readyTimeoutMs: 40_000,
        }),
      ),
    );
  });
  afterAll(async () => {
    if (client && workers) await client.publish('go', JSON.stringify({ stop: true }));
    await Promise.all((workers ?? []).map((worker) => worker.stop()));
    await client?.quit();
    await redis?.stop();
  });

  async function stampede(key: string, lock: boolean) {
    // Every worker is subscribed before "go", so the 1,000 calls start together.
    expect(await client.publish('go', JSON.stringify({ key, lock }))).toBe(4);
    const pattern = new RegExp(`result ${key} (\\{.*\\})`);
    const results = await Promise.all(
      workers.map(async (worker) => JSON.parse((await worker.waitFor(pattern, 20_000))[1]!) as WorkerResult),
    );
    return { results, total: Number(await client.get(`loads:${key}`)) };
  }

  it('runs the loader at most once per process without the lock', async () => {
    const { results, total } = await stampede('product:1', false);
    console.log(`no lock: loader ran ${total} time(s) for 1,000 concurrent misses in 4 processes`);
    for (const r of results) {
      expect(r).toMatchObject({ errors: 0, distinct: 1 });
      expect(r.loaderCalls).toBeLessThanOrEqual(1);
    }
    expect(total).toBeGreaterThanOrEqual(1);
    expect(total).toBeLessThanOrEqual(4);
  });

  it('runs the loader exactly once in total with the distributed lock', async () => {
    const { results, total } = await stampede('product:2', true);
    const waits = results.reduce((sum, r) => sum + r.lockWaits, 0);
    console.log(`lock: loader ran ${total} time(s) for 1,000 concurrent misses in 4 processes; ${waits} lock polls`);
    expect(total).toBe(1);
    for (const r of results) expect(r).toMatchObject({ errors: 0, distinct: 1 });
    expect(results.reduce((sum, r) => sum + r.loaderCalls, 0)).toBe(1);
    expect(waits).toBeGreaterThan(0); // the other three waited for the holder
  });
});

import { type RedisCluster, startRedis } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStreamsEventBus } from '../../src/index.js';
import { until } from '../helpers.js';

// Redis stops and comes back (same port, append-only file kept): publishers get a coded error meanwhile, and the
// consumer resumes by itself, with what was published before the outage still delivered once.
describe('Redis Streams: Redis restarts', () => {
  let redis: RedisCluster;
  beforeAll(async () => {
    redis = await startRedis({ appendOnly: true });
  });
  afterAll(() => redis?.stop());

  it('rejects publishes with UNAVAILABLE while Redis is down and resumes consuming after', async () => {
    const bus = new RedisStreamsEventBus({ url: redis.primary.url, leaseMs: 1_000, blockMs: 100 });
    const seen: number[] = [];
    await bus.subscribe<{ n: number }>('outage', 'g', (m) => void seen.push(m.value.n));
    await bus.publish('outage', { n: 1 });
    await until(() => seen.length === 1, 5_000, 'first message');

    await redis.primary.stop();
    const t0 = Date.now();
    const error = await bus.publish('outage', { n: 2 }).catch((e: unknown) => e);
    const failedAfter = Date.now() - t0;
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });

    await redis.primary.restart();
    const t1 = Date.now();
    await until(() => seen.length === 1, 1, 'nothing new');
    let published = false;
    while (!published) {
      published = await bus.publish('outage', { n: 3 }).then(
        () => true,
        () => false,
      );
      if (!published) await new Promise((r) => setTimeout(r, 50));
    }
    await until(() => seen.includes(3), 15_000, 'message after the restart');
    console.log(
      `outage: publish failed after ${failedAfter} ms with Redis down; consuming resumed ${Date.now() - t1} ms after restart`,
    );
    expect(seen).toEqual([1, 3]);
    await bus.close();
  });
});

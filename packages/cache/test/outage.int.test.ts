import { type RedisCluster, startRedis } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwoLevelCache } from '../src/two-level.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// Redis stops under load: callers see no error and no multi-second stall; when it returns it is used again.
describe('Redis outage (real Redis stopped and restarted)', () => {
  let redis: RedisCluster;
  let cache: TwoLevelCache;
  let withL1: TwoLevelCache;

  beforeAll(async () => {
    redis = await startRedis();
    // Level 1 off, so every read needs level 2 and the outage is felt on every call.
    cache = await TwoLevelCache.create({
      redis: { url: redis.primary.url },
      l1: false,
      breaker: { failureThreshold: 3, resetMs: 200 },
    });
    withL1 = await TwoLevelCache.create({ redis: { url: redis.primary.url }, namespace: 'resync' });
  });
  afterAll(async () => {
    await cache?.close();
    await withL1?.close();
    await redis?.stop();
  });

  it('serves every call from the loader while Redis is down, then resumes level-2 hits', async () => {
    let errors = 0;
    let calls = 0;
    let maxOutageLatencyMs = 0;
    let phase: 'up' | 'down' | 'back' = 'up';
    let running = true;
    const loader = (i: number) => async () => {
      await sleep(1); // the database
      return { i };
    };
    const worker = async (w: number) => {
      for (let n = 0; running; n++) {
        const i = (w * 7 + n) % 100;
        const started = performance.now();
        try {
          const value = await cache.getOrLoad(`k${i}`, loader(i));
          if ((value as { i: number }).i !== i) errors++;
        } catch {
          errors++;
        }
        if (phase === 'down') maxOutageLatencyMs = Math.max(maxOutageLatencyMs, performance.now() - started);
        calls++;
        await sleep(0);
      }
    };
    await withL1.set('x', 1);
    const workers = Array.from({ length: 50 }, (_, w) => worker(w));

    await sleep(500);
    const hitsBefore = cache.stats().l2Hits;
    expect(hitsBefore).toBeGreaterThan(100);

    phase = 'down';
    await redis.primary.stop();
    const callsAtStop = calls;
    await sleep(1_500);
    expect(cache.l2State).not.toBe('closed');
    const callsDuringOutage = calls - callsAtStop;
    const hitsDuringOutage = cache.stats().l2Hits;

    phase = 'back';
    await redis.primary.restart();
    await until('level-2 hits to resume', () => cache.stats().l2Hits > hitsDuringOutage + 100);
    expect(cache.l2State).toBe('closed');
    // The invalidation subscription was cut: whatever level 1 held may be stale, so it was dropped.
    await until('level 1 to be cleared after resync', () => withL1.peek('x') === undefined);
    running = false;
    await Promise.all(workers);

    const stats = cache.stats();
    console.log(
      `outage: ${callsDuringOutage} calls in 1.5 s while down, max latency ${maxOutageLatencyMs.toFixed(1)} ms, ` +
        `${errors} errors; l2Errors ${stats.l2Errors}, l2Skipped ${stats.l2Skipped}, total calls ${calls}`,
    );
    expect(errors).toBe(0);
    expect(callsDuringOutage).toBeGreaterThan(1_000);
    expect(maxOutageLatencyMs).toBeLessThan(1_000); // at most one command timeout (200 ms) on a shared machine, never seconds
    expect(stats.l2Skipped).toBeGreaterThan(0); // the breaker kept calls away from the dead Redis
  });

  it('a frozen Redis (SIGSTOP) costs callers one command timeout at most, then the breaker routes around it', async () => {
    const slow = await TwoLevelCache.create({
      redis: { url: redis.primary.url, commandTimeoutMs: 100 },
      l1: false,
      namespace: 'frozen',
      breaker: { failureThreshold: 3, resetMs: 300 },
    });
    let errors = 0;
    let worst = 0;
    let frozenCalls = 0;
    let running = true;
    const worker = async (w: number) => {
      for (let n = 0; running; n++) {
        const key = `k${(w + n) % 20}`;
        const started = performance.now();
        await slow.getOrLoad(key, async () => key).catch(() => errors++);
        worst = Math.max(worst, performance.now() - started);
        frozenCalls++;
        await sleep(1);
      }
    };
    await slow.getOrLoad('warm', async () => 1);
    await redis.primary.pause();
    const workers = Array.from({ length: 20 }, (_, w) => worker(w));
    await sleep(1_000);
    running = false;
    await Promise.all(workers);
    await redis.primary.resume();
    console.log(`frozen Redis: ${frozenCalls} calls in 1 s, worst latency ${worst.toFixed(1)} ms, ${errors} errors`);
    expect(errors).toBe(0);
    expect(worst).toBeLessThan(1_000); // 100 ms timeouts (GET, then SET) plus scheduling: never seconds
    expect(frozenCalls).toBeGreaterThan(500);
    const before = slow.stats().l2Hits;
    await until('level-2 hits after resume', () => {
      void slow.getOrLoad('warm', async () => 1);
      return slow.stats().l2Hits > before;
    });
    await slow.close();
  });
});

describe('starting while Redis is down (real Redis, append-only so data survives the restart)', () => {
  let redis: RedisCluster;
  beforeAll(async () => {
    redis = await startRedis({ appendOnly: true });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('starts, serves from the loader, and learns the namespace version once Redis answers', async () => {
    const first = await TwoLevelCache.create({ redis: { url: redis.primary.url }, namespace: 'catalog' });
    expect(await first.bumpVersion()).toBe(2);
    await first.close();
    await redis.primary.stop();

    const late = await TwoLevelCache.create({
      redis: { url: redis.primary.url, readyTimeoutMs: 200 },
      namespace: 'catalog',
      breaker: { resetMs: 100 },
    });
    expect(late.version).toBe(1); // unknown yet: the configured version
    expect(await late.getOrLoad('a', async () => 'from-db')).toBe('from-db');

    await redis.primary.restart();
    await until('the bumped version to be learnt', () => {
      void late.getOrLoad(`probe${Math.random()}`, async () => 1, { absentTtlMs: 0 });
      return late.version === 2;
    });
    await late.close();
  });
});

import { type RedisCluster, startProcess, startRedis } from '@stages/test-harness';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStreamsEventBus } from '../../src/index.js';
import { sleep, until } from '../helpers.js';

const PARTITIONS = 4;

// Broadcast groups (one per instance) on a real Redis: they must not pile up across restarts.
describe('Redis Streams: broadcast consumer groups are disposable', () => {
  let redis: RedisCluster;
  let admin: Redis;
  let n = 0;
  const topic = () => `bcast-${process.pid}-${n++}`;
  const bus = (extra: { broadcastIdleMs?: number } = {}) =>
    new RedisStreamsEventBus({ url: redis.primary.url, leaseMs: 1_000, blockMs: 100, ...extra });

  /** The consumer groups on each partition stream of `t`, as Redis reports them. */
  const groupsOf = async (t: string) =>
    Promise.all(
      Array.from({ length: PARTITIONS }, async (_, p) => {
        const infos = (await admin.call('XINFO', 'GROUPS', `stages:events:${t}:p${p}`)) as unknown[][];
        return infos.map((info) => String(info[info.indexOf('name') + 1])).sort();
      }),
    );

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.primary.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  it('a broadcast subscription that closes leaves no group behind; a normal group stays', async () => {
    const b = bus();
    const t = topic();
    const got: string[] = [];
    const shared = await b.subscribe(t, 'search-index', () => {});
    const own = await b.subscribe(t, 'cache-1234', (m) => void got.push(m.id), { broadcast: true });
    const id = await b.publish(t, { sku: 'p1' });
    await until(() => got.includes(id), 10_000, 'the broadcast member got the message');
    expect(await groupsOf(t)).toEqual(Array(PARTITIONS).fill(['cache-1234', 'search-index']));
    expect(await admin.zrange(`stages:events:${t}:broadcast-groups`, 0, -1)).toEqual(['cache-1234']);

    await own.close();
    await shared.close();
    // The normal group keeps its place for when its service comes back; the broadcast one is gone with its keys.
    expect(await groupsOf(t)).toEqual(Array(PARTITIONS).fill(['search-index']));
    expect(await admin.exists(`stages:events:${t}:broadcast-groups`, `stages:events:${t}:members:cache-1234`)).toBe(0);
    await b.close();
  });

  it('a broadcast group is destroyed only when its last member closes', async () => {
    const b = bus();
    const t = topic();
    // Two members in a "broadcast" group is a misuse, but closing one must not pull the group from under the other.
    const first = await b.subscribe(t, 'mine', () => {}, { broadcast: true });
    const second = await b.subscribe(t, 'mine', () => {}, { broadcast: true });
    await first.close();
    expect(await groupsOf(t)).toEqual(Array(PARTITIONS).fill(['mine']));
    await second.close();
    expect(await groupsOf(t)).toEqual(Array(PARTITIONS).fill([]));
    await b.close();
  });

  it("a crashed instance's broadcast group is swept by the next broadcast subscribe after broadcastIdleMs", async () => {
    const t = topic();
    const b = bus({ broadcastIdleMs: 2_500 });
    // A normal group whose members are long gone: never in the sweep's registry, so never destroyed.
    await (await b.subscribe(t, 'orders-projection', () => {})).close();
    const dead = await startProcess({
      args: ['packages/esb/test/fixtures/consumer.ts'],
      env: { REDIS: redis.primary.url, TOPIC: t, GROUP: 'cache-dead', BROADCAST: '1', STAGES_LOG_LEVEL: 'silent' },
      ready: /subscribed/,
    });
    await dead.kill('SIGKILL');
    expect(await groupsOf(t)).toEqual(Array(PARTITIONS).fill(['cache-dead', 'orders-projection']));

    // Too early: the dead group's last heartbeat is younger than broadcastIdleMs, so it is kept.
    const early = await b.subscribe(t, 'cache-early', () => {}, { broadcast: true });
    expect((await groupsOf(t))[0]).toContain('cache-dead');
    await early.close();

    await sleep(2_700);
    const live = await b.subscribe(t, 'cache-live', () => {}, { broadcast: true });
    expect(await groupsOf(t)).toEqual(Array(PARTITIONS).fill(['cache-live', 'orders-projection']));
    expect(await admin.zrange(`stages:events:${t}:broadcast-groups`, 0, -1)).toEqual(['cache-live']);

    // The live group heartbeats, so another instance's sweep well past broadcastIdleMs leaves it alone.
    await sleep(2_700);
    const other = await b.subscribe(t, 'cache-other', () => {}, { broadcast: true });
    expect((await groupsOf(t))[0]).toEqual(['cache-live', 'cache-other', 'orders-projection']);
    await Promise.all([live.close(), other.close()]);
    expect(await groupsOf(t)).toEqual(Array(PARTITIONS).fill(['orders-projection']));
    await b.close();
  });
});

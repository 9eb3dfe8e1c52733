import { openPostgres, type PostgresDataSource } from '@stages/data';
import { type PostgresCluster, type RedisCluster, startPostgres, startProcess, startRedis } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventMessage, Outbox, RedisStreamsEventBus } from '../../src/index.js';
import { until } from '../helpers.js';

// The outbox on a real PostgreSQL, relayed to a real Redis by real processes, one of which dies mid-way.
describe('transactional outbox', () => {
  let pg: PostgresCluster;
  let redis: RedisCluster;
  let ds: PostgresDataSource;
  let bus: RedisStreamsEventBus;
  let url: string;
  const outbox = new Outbox();

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    url = await pg.createDatabase('shop');
    ds = await openPostgres({ name: 'orders', url });
    await ds.execute('CREATE TABLE orders (id INT PRIMARY KEY, total INT NOT NULL)');
    await outbox.ensureTable(ds);
    bus = new RedisStreamsEventBus({ url: redis.primary.url, leaseMs: 1_000, blockMs: 100 });
  });
  afterAll(async () => {
    await bus?.close();
    await ds?.close();
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  it('publishes committed events only, and a relay killed between publish and commit loses none', async () => {
    const received: EventMessage[] = [];
    await bus.subscribe('order-placed', 'search', (m) => void received.push(m), { from: 'earliest' });

    const ids: string[] = [];
    for (let i = 1; i <= 20; i++) {
      ids.push(
        await ds.transaction(async (tx) => {
          await tx.execute('INSERT INTO orders (id, total) VALUES ($1, $2)', [i, i * 100]);
          return outbox.add(tx, 'order-placed', { orderId: i }, { key: `order-${i}` });
        }),
      );
    }
    // A change that rolls back takes its event with it: nothing invented.
    let ghost = '';
    await expect(
      ds.transaction(async (tx) => {
        await tx.execute('INSERT INTO orders (id, total) VALUES ($1, $2)', [999, 1]);
        ghost = await outbox.add(tx, 'order-placed', { orderId: 999 });
        throw new Error('payment declined');
      }),
    ).rejects.toThrow('payment declined');

    const env = { PG: url, REDIS: redis.primary.url, STAGES_LOG_LEVEL: 'silent' };
    const crashed = await startProcess({
      args: ['packages/esb/test/fixtures/relay.ts'],
      env: { ...env, CRASH_AFTER: '5' },
    });
    const exit = await crashed.exited;
    expect(exit.signal).toBe('SIGKILL');
    await until(() => received.length >= 5, 10_000, 'five events from the crashed relay');
    const [{ unsent }] = (await ds.query<{ unsent: string }>(
      'SELECT count(*) AS unsent FROM stages_outbox WHERE sent_at IS NULL',
    )) as [{ unsent: string }];
    expect(Number(unsent)).toBe(20); // its transaction never committed "sent"

    const relay = await startProcess({ args: ['packages/esb/test/fixtures/relay.ts'], env, ready: /relayed \d+/ });
    expect(relay.output()).toMatch(/relayed 20/);
    await until(() => received.length >= 25, 10_000, 'every event');
    await new Promise((r) => setTimeout(r, 300));

    const unique = new Set(received.map((m) => m.id));
    const duplicates = received.length - unique.size;
    console.log(
      `outbox: 20 committed, 1 rolled back; relay SIGKILLed after 5 publishes; ${received.length} deliveries, ${unique.size} distinct ids, ${duplicates} duplicates (same id)`,
    );
    expect([...unique].sort()).toEqual([...ids].sort());
    expect(unique.has(ghost)).toBe(false);
    expect(duplicates).toBe(5);
    // The duplicates are the first five events (keys spread them over partitions, so compare as sets),
    // republished under their own ids.
    expect(
      received
        .slice(0, 5)
        .map((m) => m.id)
        .sort(),
    ).toEqual(ids.slice(0, 5).sort());
    const counts = new Map<string, number>();
    for (const m of received) counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
    expect(ids.map((id) => counts.get(id))).toEqual([...Array(5).fill(2), ...Array(15).fill(1)]);
    const left = await ds.query('SELECT id FROM stages_outbox WHERE sent_at IS NULL');
    expect(left).toEqual([]);
  });
});

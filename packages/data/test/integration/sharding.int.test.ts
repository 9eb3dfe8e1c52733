import { openPostgres, type PostgresDataSource, ShardedTable } from '@stages/data';
import { type PostgresCluster, pgQuery, startPostgres } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_MIGRATIONS, ORDERS, type Order } from '../fixtures/order-repository.js';

// Orders over 2 databases x 4 tables with `id mod 8`: shard i is orders_(i mod 4) in database floor(i / 4).
// Every expectation is computed here from that rule or read back from the servers, never from the router.
let pg: PostgresCluster;
let urls: string[];
let single: string;
let ds: PostgresDataSource[];
let orders: ShardedTable<Order>;
const rows: Order[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  urls = [await pg.createDatabase('shard_0'), await pg.createDatabase('shard_1')];
  single = await pg.createDatabase('unsharded');
  ds = await Promise.all(urls.map((url, i) => openPostgres({ name: `ds${i}`, url, shard: `ds${i}` })));
  orders = new ShardedTable<Order>({
    schema: ORDERS,
    shardKey: 'id',
    algorithm: 'modulo',
    databases: ds,
    tablesPerDatabase: 4,
  });
  await orders.migrate(ORDER_MIGRATIONS);
  await pgQuery(single, ORDER_MIGRATIONS[0]!.statements[0]!.replace('{table}', 'orders'));
  const statuses = ['new', 'paid', 'shipped'];
  for (let i = 1; i <= 120; i++) {
    // Many equal amounts and timestamps: the merge must break ties exactly as one table would.
    const order: Order = {
      id: BigInt(i * 7 + 1000),
      user_id: i % 9,
      status: statuses[i % 3] as string,
      amount_cents: ((i * 53) % 17) * 100,
      created_at: 1_700_000_000_000 + (i % 10) * 1000,
    };
    rows.push(order);
    await orders.insert(order);
  }
  const values = rows
    .map((o) => `(${o.id}, ${o.user_id}, '${o.status}', ${o.amount_cents}, ${o.created_at})`)
    .join(', ');
  await pgQuery(single, `INSERT INTO orders VALUES ${values}`);
});

afterAll(async () => {
  await Promise.all((ds ?? []).map((d) => d.close()));
  await pg?.stop();
});

async function scans(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [i, url] of urls.entries()) {
    const stats = await pgQuery<{ relname: string; n: string }>(
      url,
      "SELECT relname, (coalesce(seq_scan, 0) + coalesce(idx_scan, 0))::text AS n FROM pg_stat_user_tables WHERE relname LIKE 'orders_%'",
    );
    for (const s of stats) out.set(`ds${i}.${s.relname}`, Number(s.n));
  }
  return out;
}

describe('orders sharded over 2 databases x 4 tables on real PostgreSQL', () => {
  it('stores each order in the physical table its id maps to', async () => {
    let total = 0;
    for (const [db, url] of urls.entries()) {
      for (let table = 0; table < 4; table++) {
        const found = await pgQuery<{ id: string }>(url, `SELECT id::text AS id FROM orders_${table}`);
        total += found.length;
        for (const { id } of found) expect(Number(BigInt(id) % 8n)).toBe(db * 4 + table);
      }
    }
    expect(total).toBe(rows.length);
  });

  it('a query by order id touches exactly one physical table (server statistics)', async () => {
    const target = rows[41] as Order;
    const shard = Number(target.id % 8n);
    const expected = `ds${Math.floor(shard / 4)}.orders_${shard % 4}`;
    // A backend flushes its table statistics when it exits (while idle, only about once a second): run the
    // lookup on fresh pools and close them, and settle the earlier pools' counters the same way first.
    await Promise.all(ds.map((d) => d.close()));
    ds = await Promise.all(urls.map((url, i) => openPostgres({ name: `ds${i}`, url, shard: `ds${i}` })));
    orders = new ShardedTable<Order>({
      schema: ORDERS,
      shardKey: 'id',
      algorithm: 'modulo',
      databases: ds,
      tablesPerDatabase: 4,
    });
    await new Promise((r) => setTimeout(r, 300));
    const before = await scans();
    const probe = await Promise.all(urls.map((url, i) => openPostgres({ name: `probe${i}`, url })));
    const table = new ShardedTable<Order>({
      schema: ORDERS,
      shardKey: 'id',
      algorithm: 'modulo',
      databases: probe,
      tablesPerDatabase: 4,
    });
    expect(await table.findByKey(target.id)).toEqual(target);
    await Promise.all(probe.map((d) => d.close()));
    await new Promise((r) => setTimeout(r, 300));
    const after = await scans();
    const touched = [...after].filter(([name, n]) => n !== before.get(name)).map(([name]) => name);
    expect(touched).toEqual([expected]);
  });

  it('pages without the shard key come back exactly as from one unsharded table', async () => {
    for (const [offset, limit] of [
      [0, 10],
      [15, 20],
      [110, 25],
    ] as const) {
      const sharded = await orders.find({
        where: { status: { ne: 'new' } },
        orderBy: [
          ['amount_cents', 'desc'],
          ['created_at', 'asc'],
        ],
        limit,
        offset,
      });
      const reference = await pgQuery<{ id: string }>(
        single,
        `SELECT id::text AS id FROM orders WHERE status <> 'new' ORDER BY amount_cents DESC, created_at ASC, id ASC LIMIT ${limit} OFFSET ${offset}`,
      );
      expect(sharded.map((o) => o.id.toString())).toEqual(reference.map((r) => r.id));
    }
  });

  it('aggregates across shards equal the same aggregates on one table', async () => {
    const [merged] = await orders.aggregate(
      {
        n: { count: '*' },
        total: { sum: 'amount_cents' },
        lo: { min: 'amount_cents' },
        hi: { max: 'amount_cents' },
        mean: { avg: 'amount_cents' },
      },
      { where: { user_id: { lt: 5 } } },
    );
    const [ref] = await pgQuery<Record<string, string>>(
      single,
      'SELECT count(*) AS n, sum(amount_cents) AS total, min(amount_cents) AS lo, max(amount_cents) AS hi, avg(amount_cents) AS mean FROM orders WHERE user_id < 5',
    );
    expect(merged).toEqual({
      n: Number(ref?.n),
      total: Number(ref?.total),
      lo: Number(ref?.lo),
      hi: Number(ref?.hi),
      mean: expect.closeTo(Number(ref?.mean), 9),
    });
    const grouped = await orders.aggregate(
      { n: { count: '*' }, mean: { avg: 'amount_cents' } },
      { groupBy: ['status'] },
    );
    const refGrouped = await pgQuery<{ status: string; n: string; mean: string }>(
      single,
      'SELECT status, count(*) AS n, avg(amount_cents) AS mean FROM orders GROUP BY status ORDER BY status',
    );
    expect(grouped.map((g) => [g.status, g.n, (g.mean as number).toFixed(6)])).toEqual(
      refGrouped.map((g) => [g.status, Number(g.n), Number(g.mean).toFixed(6)]),
    );
  });

  it('a table that forbids fan-out fails without the shard key and works with it', async () => {
    const strict = new ShardedTable<Order>({
      schema: ORDERS,
      shardKey: 'id',
      algorithm: 'modulo',
      databases: ds,
      tablesPerDatabase: 4,
      fanOut: false,
    });
    await expect(strict.find({ where: { user_id: 1 } })).rejects.toMatchObject({ code: 'SHARD_KEY_REQUIRED' });
    await expect(strict.count()).rejects.toMatchObject({ code: 'SHARD_KEY_REQUIRED' });
    const some = [rows[3], rows[4]].map((o) => (o as Order).id);
    expect((await strict.find({ where: { id: { in: some } } })).map((o) => o.id)).toEqual(some);
    await expect(strict.insert({ ...(rows[0] as Order), id: undefined as never })).rejects.toMatchObject({
      code: 'SHARD_KEY_REQUIRED',
    });
  });

  it('a migration reaches every physical table in every database, once', async () => {
    const addNote = { id: '002-note', statements: ['ALTER TABLE {table} ADD COLUMN note VARCHAR(50)'] };
    await orders.migrate([...ORDER_MIGRATIONS, addNote]);
    await orders.migrate([...ORDER_MIGRATIONS, addNote]);
    for (const url of urls) {
      const cols = await pgQuery<{ table_name: string }>(
        url,
        "SELECT table_name FROM information_schema.columns WHERE column_name = 'note' ORDER BY table_name",
      );
      expect(cols.map((c) => c.table_name)).toEqual(['orders_0', 'orders_1', 'orders_2', 'orders_3']);
      const ledger = await pgQuery<{ id: string }>(url, 'SELECT id FROM stages_migrations ORDER BY id');
      expect(ledger.map((l) => l.id)).toEqual(['orders:001-create', 'orders:002-note']);
    }
  });
});

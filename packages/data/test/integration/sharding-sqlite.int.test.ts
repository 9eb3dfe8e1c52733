import { openSqlite, ShardedTable, type SqliteDataSource, TimeMonthAlgorithm } from '@stages/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Sharding behaviours that need no server: time-month tables by explicit targets, empty shards in aggregates.
interface Event {
  id: number;
  at: number;
  kind: string;
  value: number | null;
}
const schema = {
  name: 'events',
  primaryKey: 'id',
  columns: { id: 'int', at: 'int', kind: 'text', value: 'float' },
} as const;
const months = new TimeMonthAlgorithm('2026-01-01T00:00:00Z');
let dbs: SqliteDataSource[];
let events: ShardedTable<Event>;

beforeAll(async () => {
  dbs = [await openSqlite({ name: 'hot' }), await openSqlite({ name: 'cold' })];
  // Three monthly tables: January and February in the cold database, March in the hot one.
  const targets = [0, 1, 2].map((i) => ({ datasource: dbs[i < 2 ? 1 : 0]!, table: `events_${months.tableSuffix(i)}` }));
  events = new ShardedTable<Event>({
    schema: { ...schema, columns: { ...schema.columns } },
    shardKey: 'at',
    algorithm: months,
    targets,
  });
  await events.migrate([
    {
      id: '001',
      statements: [
        'CREATE TABLE {table} (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL, value REAL)',
      ],
    },
  ]);
});

afterAll(async () => {
  await Promise.all((dbs ?? []).map((d) => d.close()));
});

describe('time-month sharding on embedded databases', () => {
  it('aggregates over empty shards give count 0 and null sum/avg/min/max', async () => {
    expect(
      await events.aggregate({
        n: { count: '*' },
        s: { sum: 'value' },
        a: { avg: 'value' },
        lo: { min: 'value' },
        hi: { max: 'value' },
      }),
    ).toEqual([{ n: 0, s: null, a: null, lo: null, hi: null }]);
  });

  it('puts each event in its month table and merges across months and databases', async () => {
    const at = (iso: string) => Date.parse(iso);
    await events.insert({ id: 1, at: at('2026-01-15T00:00:00Z'), kind: 'a', value: 1 });
    await events.insert({ id: 2, at: at('2026-02-01T00:00:00Z'), kind: 'b', value: null });
    await events.insert({ id: 3, at: at('2026-03-31T23:59:59Z'), kind: 'a', value: 5 });
    await events.insert({ id: 4, at: at('2026-03-01T00:00:00Z'), kind: 'b', value: 3 });
    expect(await dbs[1]!.query('SELECT id FROM events_202601')).toEqual([{ id: 1 }]);
    expect(await dbs[1]!.query('SELECT id FROM events_202602')).toEqual([{ id: 2 }]);
    expect(await dbs[0]!.query('SELECT id FROM events_202603 ORDER BY id')).toEqual([{ id: 3 }, { id: 4 }]);
    await expect(events.insert({ id: 5, at: at('2026-04-01T00:00:00Z'), kind: 'a', value: 1 })).rejects.toMatchObject({
      code: 'OUT_OF_RANGE',
    });

    // NULL sorts after values ascending and before them descending, across shards as on one table.
    expect((await events.find({ orderBy: [['value', 'asc']] })).map((e) => e.id)).toEqual([1, 4, 3, 2]);
    expect((await events.find({ orderBy: [['value', 'desc']], limit: 2, offset: 1 })).map((e) => e.id)).toEqual([3, 4]);
    expect(await events.aggregate({ n: { count: 'value' }, a: { avg: 'value' } }, { groupBy: ['kind'] })).toEqual([
      { kind: 'a', n: 2, a: 3 },
      { kind: 'b', n: 1, a: 3 },
    ]);
    // An `at` equality pins one month; a range on it fans out.
    expect(await events.find({ where: { at: at('2026-02-01T00:00:00Z') } })).toHaveLength(1);
    expect(await events.count({ at: { gte: at('2026-02-01T00:00:00Z') } })).toBe(3);
  });
});

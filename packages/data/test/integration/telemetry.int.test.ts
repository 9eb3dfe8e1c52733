import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { openSqlite, ShardedTable } from '@stages/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exporter = new InMemorySpanExporter();

beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => {
  trace.disable();
});

describe('statement spans', () => {
  it('label every statement with db.system, datasource, shard and role, and record failures', async () => {
    const dbs = [
      await openSqlite({ name: 'db0', shard: 's0' }),
      await openSqlite({ name: 'db1', shard: 's1', role: 'primary' }),
    ];
    const table = new ShardedTable<{ id: number }>({
      schema: { name: 't', primaryKey: 'id', columns: { id: 'int' } },
      shardKey: 'id',
      algorithm: 'modulo',
      databases: dbs,
      tablesPerDatabase: 1,
    });
    await table.migrate([{ id: '1', statements: ['CREATE TABLE {table} (id INTEGER PRIMARY KEY)'] }]);
    exporter.reset();
    await table.insert({ id: 3 });
    await dbs[0]!.query('SELECT nope').catch(() => {});
    const spans = exporter.getFinishedSpans();
    expect(
      spans.map((s) => [
        s.name,
        s.attributes['db.system'],
        s.attributes['stages.datasource'],
        s.attributes['stages.shard'],
        s.attributes['stages.role'],
      ]),
    ).toEqual([
      ['db.execute', 'sqlite', 'db1', 's1', 'primary'],
      ['db.query', 'sqlite', 'db0', 's0', 'standalone'],
    ]);
    expect(spans[1]?.status.code).toBe(2);
    expect(spans[1]?.attributes['stages.error.code']).toBe('DATASOURCE_ERROR');
    await Promise.all(dbs.map((d) => d.close()));
  });
});

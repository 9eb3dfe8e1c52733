import { metrics, trace } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { openSqlite, ShardedTable } from '@stages/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exporter = new InMemorySpanExporter();

beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => {
  trace.disable();
  metrics.disable();
});

class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

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

  it('counts statements, errors and durations, also when the SDK is registered after the first statement', async () => {
    const db = await openSqlite({ name: 'metered' });
    await db.query('SELECT 1'); // before any SDK: a no-op, and must not pin no-op instruments
    const reader = new TestReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }) as never);
    await db.query('SELECT 1');
    await db.query('SELECT 2');
    await db.query('SELECT nope').catch(() => {});
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const sum = (name: string) =>
      all
        .filter((m) => m.descriptor.name === name)
        .flatMap((m) => m.dataPoints as { attributes: Record<string, unknown>; value: unknown }[])
        .filter((p) => p.attributes['stages.datasource'] === 'metered')
        .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : ((p.value as { count: number }).count ?? 0)), 0);
    expect(sum('stages.data.statements')).toBe(3);
    expect(sum('stages.data.errors')).toBe(1);
    expect(sum('stages.data.duration')).toBe(3);
    await db.close();
  });
});

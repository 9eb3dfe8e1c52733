import { StagesError } from '@stages/common';
import { describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import { inMemoryTelemetry } from '../in-memory-telemetry.js';
import { FakeRegistry, FakeTransport, provider } from './fakes.js';

const { spans, metricExporter, reader } = inMemoryTelemetry();

async function points(name: string): Promise<Record<string, number>> {
  await reader.forceFlush();
  const exported = metricExporter.getMetrics().at(-1)!;
  const metric = exported.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  const out: Record<string, number> = {};
  for (const p of metric?.dataPoints ?? []) {
    out[`${p.attributes['rpc.method']}:${p.attributes.code}`] = p.value as number;
  }
  return out;
}

describe('ServiceClient telemetry', () => {
  it('counts calls by outcome code and injects its span into the metadata', async () => {
    const transport = new FakeTransport().on('p1', (call) => {
      if (call.method === 'missing') throw new StagesError('NOT_FOUND', 'no such item');
      return call.metadata.traceparent;
    });
    const client = new ServiceClient({
      service: 'catalog',
      registry: new FakeRegistry([provider('p1', { protocol: 'fake' })]),
      transports: [transport],
    });
    const sent = await client.call<string>('get', {});
    await client.call('get', {});
    await expect(client.call('missing', {})).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // The metadata carries this call's client span, so the provider continues the same trace.
    const clientSpan = spans.getFinishedSpans().find((s) => s.name === 'catalog/get')!;
    expect(sent).toBe(`00-${clientSpan.spanContext().traceId}-${clientSpan.spanContext().spanId}-01`);
    expect(await points('stages.rpc.client.calls')).toEqual({ 'get:OK': 2, 'missing:NOT_FOUND': 1 });

    await client.call('get', {});
    expect((await points('stages.rpc.client.calls'))['get:OK']).toBe(3);
    await client.close();
  });
});

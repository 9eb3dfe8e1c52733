import { trace } from '@opentelemetry/api';
import { defineService, StagesError } from '@stages/common';
import { describe, expect, it } from 'vitest';
import { ServerPipeline } from '../../src/server/pipeline.js';
import { inMemoryTelemetry } from '../in-memory-telemetry.js';

const { spans, metricExporter, reader } = inMemoryTelemetry();

describe('ServerPipeline telemetry', () => {
  it('continues the caller trace in a server span, marks failures with their code, and counts calls', async () => {
    const pipeline = new ServerPipeline();
    pipeline.expose(
      defineService({
        name: 'svc',
        handler: {
          ok: () => trace.getActiveSpan()?.spanContext().traceId,
          bad: () => {
            throw new StagesError('NOT_FOUND', 'gone');
          },
        },
        methods: ['ok', 'bad'],
      }),
    );
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const metadata = { traceparent: `00-${traceId}-b7ad6b7169203331-01` };
    // The handler sees the server span as active, inside the caller's trace.
    await expect(pipeline.handle({ service: 'svc', method: 'ok', payload: {}, metadata })).resolves.toBe(traceId);
    await expect(pipeline.handle({ service: 'svc', method: 'bad', payload: {}, metadata })).rejects.toThrow('gone');
    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => s.name)).toEqual(['svc/ok', 'svc/bad']);
    expect(finished.every((s) => s.spanContext().traceId === traceId && s.kind === 1)).toBe(true);
    expect(finished[0]!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(finished[1]!.attributes['stages.error.code']).toBe('NOT_FOUND');

    await reader.forceFlush();
    const points = metricExporter
      .getMetrics()
      .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
      .reduce<Record<string, number>>((acc, m) => {
        acc[m.descriptor.name] = m.dataPoints.reduce((sum, p) => sum + (typeof p.value === 'number' ? p.value : 0), 0);
        return acc;
      }, {});
    expect(points['stages.rpc.server.calls']).toBe(2);
    expect(points['stages.rpc.server.errors']).toBe(1);
    expect(points['stages.rpc.server.in_flight']).toBe(0);
  });
});

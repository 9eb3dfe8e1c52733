import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { defineService, StagesError } from '@stages/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerPipeline } from '../../src/server/pipeline.js';

// This file runs in its own worker process (vitest pool: forks), so registering global providers is safe here.
const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});
afterAll(() => {
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
});

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

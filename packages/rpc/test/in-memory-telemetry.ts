import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { registerTelemetry } from '@stages/common';
import { afterAll, beforeAll } from 'vitest';

/**
 * Registers a real OpenTelemetry SDK whose spans and metrics stay in memory, for the whole test file, through
 * common's registerTelemetry as an app does (instruments created when a module loads must re-bind to it). Safe
 * because every test file runs in its own worker process (vitest pool: forks).
 */
export function inMemoryTelemetry() {
  const spans = new InMemorySpanExporter();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
  let unregister: () => void = () => {};
  beforeAll(() => {
    unregister = registerTelemetry({
      contextManager: new AsyncLocalStorageContextManager().enable(),
      propagator: new W3CTraceContextPropagator(),
      tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
      meterProvider: new MeterProvider({ readers: [reader] }),
    });
  });
  afterAll(() => unregister());
  return { spans, metricExporter, reader };
}

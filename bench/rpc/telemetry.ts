/**
 * "Telemetry on" for the bench: a real OpenTelemetry SDK (always-on sampling, W3C propagation, batch span
 * processor, periodic metric reader) whose exporters discard, so the cost measured is Stages' instrumentation and
 * the SDK, not a collector on this 2-core machine.
 */
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';

export function enableTelemetry(): void {
  const discardSpans: SpanExporter = {
    export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
    shutdown: async () => {},
  };
  const discardMetrics: PushMetricExporter = {
    export: (_metrics, done) => done({ code: ExportResultCode.SUCCESS }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // SAMPLE=0.1 samples a tenth of the traces (parent-based, as telemetry.sampleRatio does in an app); default all.
  const ratio = Number(process.env.SAMPLE ?? 1);
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(discardSpans)],
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    }),
  );
  metrics.setGlobalMeterProvider(
    new MeterProvider({
      readers: [new PeriodicExportingMetricReader({ exporter: discardMetrics, exportIntervalMillis: 1000 })],
    }),
  );
}

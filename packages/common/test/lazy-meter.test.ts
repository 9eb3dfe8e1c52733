import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { meter, registerTelemetry } from '../src/index.js';

class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

async function collected(reader: TestReader): Promise<Map<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const out = new Map<string, number>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const point = metric.dataPoints[0] as { value: number | { sum: number } } | undefined;
      if (point) out.set(metric.descriptor.name, typeof point.value === 'number' ? point.value : point.value.sum);
    }
  }
  return out;
}

describe('meter()', () => {
  let undo: (() => void) | undefined;
  afterEach(() => undo?.());

  it('keeps instruments created before the SDK was registered working after it is', async () => {
    // Created as a module would at import time, before any app registers telemetry.
    const counter = meter('lazy-test').createCounter('test.early.counter');
    const histogram = meter('lazy-test').createHistogram('test.early.histogram');
    let gaugeValue = 7;
    meter('lazy-test')
      .createObservableGauge('test.early.gauge')
      .addCallback((r) => r.observe(gaugeValue));
    counter.add(100); // goes nowhere: no SDK yet

    const reader = new TestReader();
    undo = registerTelemetry({
      meterProvider: new MeterProvider({ readers: [reader] }),
      tracerProvider: new BasicTracerProvider(),
      contextManager: new AsyncLocalStorageContextManager().enable(),
      propagator: new W3CTraceContextPropagator(),
    });
    counter.add(2);
    counter.add(3);
    histogram.record(10);
    gaugeValue = 9;

    const values = await collected(reader);
    expect(values.get('test.early.counter')).toBe(5);
    expect(values.get('test.early.histogram')).toBe(10);
    expect(values.get('test.early.gauge')).toBe(9);
  });
});

import type { Attributes, Counter, Histogram, UpDownCounter } from '@opentelemetry/api';
import { meter } from '@stages/common';

/**
 * The server-side instruments. Created when the pipeline is built: core registers the OpenTelemetry SDK before it
 * builds transports, and instruments taken from the no-op provider stay no-ops (the metrics API has no proxy).
 */
export class PipelineMetrics {
  readonly calls: Counter;
  readonly errors: Counter;
  readonly duration: Histogram;
  readonly inFlight: UpDownCounter;
  readonly bulkheadRejections: Counter;

  constructor() {
    const m = meter('rpc');
    this.calls = m.createCounter('stages.rpc.server.calls', { description: 'Calls received by the server pipeline' });
    this.errors = m.createCounter('stages.rpc.server.errors', { description: 'Calls that failed, by error code' });
    this.duration = m.createHistogram('stages.rpc.server.duration', {
      description: 'Server-side call duration',
      unit: 'ms',
    });
    this.inFlight = m.createUpDownCounter('stages.rpc.server.in_flight', { description: 'Calls running right now' });
    this.bulkheadRejections = m.createCounter('stages.rpc.server.bulkhead_rejections', {
      description: 'Calls refused because a service or method bulkhead was full',
    });
  }

  error(base: Attributes, code: string): void {
    this.errors.add(1, { ...base, 'stages.error.code': code });
  }
}

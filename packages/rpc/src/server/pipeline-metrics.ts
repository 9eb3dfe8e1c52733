import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import { meter } from '@stages/common';

/** What the observable instruments read: plain numbers the pipeline bumps on every call. */
export interface MethodCounters {
  readonly attributes: Attributes;
  /** Calls received. */
  calls: number;
  readonly bulkhead: { readonly active: number };
}

/**
 * The server-side instruments. Calls and in-flight are observable: the pipeline bumps plain integers and the SDK
 * reads them at collection time, because every synchronous record costs the OpenTelemetry SDK an attribute-set
 * lookup (about a microsecond each, measured as most of "telemetry on" overhead). Duration, errors and bulkhead
 * rejections are recorded as they happen.
 *
 * Created when the pipeline is built: core registers the SDK before it builds transports, and instruments taken
 * from the no-op provider stay no-ops (the metrics API has no proxy).
 */
export class PipelineMetrics {
  readonly errors: Counter;
  readonly duration: Histogram;
  readonly bulkheadRejections: Counter;
  readonly #methods = new Set<MethodCounters>();

  constructor() {
    const m = meter('rpc');
    this.errors = m.createCounter('stages.rpc.server.errors', { description: 'Calls that failed, by error code' });
    this.duration = m.createHistogram('stages.rpc.server.duration', {
      description: 'Server-side call duration',
      unit: 'ms',
    });
    this.bulkheadRejections = m.createCounter('stages.rpc.server.bulkhead_rejections', {
      description: 'Calls refused because a service or method bulkhead was full',
    });
    m.createObservableCounter('stages.rpc.server.calls', {
      description: 'Calls received by the server pipeline',
    }).addCallback((result) => {
      for (const method of this.#methods) result.observe(method.calls, method.attributes);
    });
    m.createObservableUpDownCounter('stages.rpc.server.in_flight', {
      description: 'Calls whose handler is running right now',
    }).addCallback((result) => {
      for (const method of this.#methods) result.observe(method.bulkhead.active, method.attributes);
    });
  }

  /** Starts reporting a method's counters (a re-exposed service replaces its old entries). */
  track(method: MethodCounters, replaces?: MethodCounters): void {
    if (replaces !== undefined) this.#methods.delete(replaces);
    this.#methods.add(method);
  }

  untrack(method: MethodCounters): void {
    this.#methods.delete(method);
  }

  error(base: Attributes, code: string): void {
    this.errors.add(1, { ...base, 'stages.error.code': code });
  }
}

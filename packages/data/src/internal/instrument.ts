import type { Attributes, Counter, Histogram, Span } from '@opentelemetry/api';
import { metrics, SpanKind } from '@opentelemetry/api';
import { meter, recordError, tracer } from '@stages/common';
import type { Dialect, Role } from '../datasource.js';

const SYSTEM: Record<Dialect, string> = { postgres: 'postgresql', sqlite: 'sqlite', mysql: 'mysql' };

/** Who a physical datasource is, as spans and metrics label it. */
export interface StatementLabels {
  datasource: string;
  dialect: Dialect;
  role: Role;
  shard?: string;
}

let instruments: { provider: unknown; count: Counter; errors: Counter; duration: Histogram } | undefined;

function metricInstruments() {
  // The metrics API has no proxy: instruments made before an SDK is registered stay no-ops for ever. Re-create
  // them whenever the global provider changes (an app may run migrations before it starts telemetry).
  const provider = metrics.getMeterProvider();
  if (instruments?.provider !== provider) {
    const m = meter('data');
    instruments = {
      provider,
      count: m.createCounter('stages.data.statements', { description: 'statements sent to a database' }),
      errors: m.createCounter('stages.data.errors', { description: 'statements that failed' }),
      duration: m.createHistogram('stages.data.duration', { description: 'statement duration', unit: 'ms' }),
    };
  }
  return instruments;
}

/**
 * Span and metric attributes for one datasource, built once: a statement reuses them instead of allocating
 * an attribute object per call (this is the hot path the point-query bench measures).
 */
export class StatementInstruments {
  readonly query: Attributes;
  readonly execute: Attributes;

  constructor(readonly labels: StatementLabels) {
    const base: Attributes = {
      'db.system': SYSTEM[labels.dialect],
      'stages.datasource': labels.datasource,
      'stages.role': labels.role,
    };
    if (labels.shard !== undefined) base['stages.shard'] = labels.shard;
    this.query = Object.freeze({ ...base, 'db.operation': 'query' });
    this.execute = Object.freeze({ ...base, 'db.operation': 'execute' });
  }

  /** Opens a client span for one statement; the caller ends it with `ok` or `fail`. */
  start(op: 'query' | 'execute', sql: string): StatementProbe {
    const attributes = op === 'query' ? this.query : this.execute;
    // The tracer is looked up per statement, not cached: a cached ProxyTracer stays a no-op if the app registers
    // its SDK through another copy of @opentelemetry/api. startSpan, not startActiveSpan: a statement has no children, and skipping the context switch keeps it cheap.
    const span = tracer('data').startSpan(`db.${op}`, { kind: SpanKind.CLIENT, attributes });
    if (span.isRecording()) span.setAttribute('db.statement', sql.length > 2000 ? `${sql.slice(0, 2000)}...` : sql);
    return new StatementProbe(span, attributes);
  }
}

export class StatementProbe {
  readonly #started = performance.now();
  constructor(
    readonly span: Span,
    readonly attributes: Attributes,
  ) {}

  ok(): void {
    const m = metricInstruments();
    m.count.add(1, this.attributes);
    m.duration.record(performance.now() - this.#started, this.attributes);
    this.span.end();
  }

  /** Records the failure and returns the error, for `throw probe.fail(error)`. */
  fail<E>(error: E): E {
    const m = metricInstruments();
    m.count.add(1, this.attributes);
    m.errors.add(1, this.attributes);
    m.duration.record(performance.now() - this.#started, this.attributes);
    recordError(this.span, error);
    this.span.end();
    return error;
  }
}

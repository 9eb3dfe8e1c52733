import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
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

let instruments: { count: Counter; errors: Counter; duration: Histogram } | undefined;

function metrics() {
  // Created lazily: an app registers its OpenTelemetry SDK after importing packages.
  if (!instruments) {
    const m = meter('data');
    instruments = {
      count: m.createCounter('stages.data.statements', { description: 'statements sent to a database' }),
      errors: m.createCounter('stages.data.errors', { description: 'statements that failed' }),
      duration: m.createHistogram('stages.data.duration', { description: 'statement duration', unit: 'ms' }),
    };
  }
  return instruments;
}

/**
 * Runs one statement in a client span with the datasource, shard and role, and counts it. Uses startSpan, not
 * startActiveSpan: a statement has no children, and skipping the context switch keeps the hot path cheap.
 */
export async function instrumented<T>(
  labels: StatementLabels,
  op: 'query' | 'execute',
  sql: string,
  run: () => Promise<T>,
): Promise<T> {
  const attributes: Attributes = {
    'db.system': SYSTEM[labels.dialect],
    'db.operation': op,
    'stages.datasource': labels.datasource,
    'stages.role': labels.role,
  };
  if (labels.shard !== undefined) attributes['stages.shard'] = labels.shard;
  const span = tracer('data').startSpan(`db.${op}`, { kind: SpanKind.CLIENT, attributes });
  if (span.isRecording()) span.setAttribute('db.statement', sql.length > 2000 ? `${sql.slice(0, 2000)}...` : sql);
  const started = performance.now();
  const m = metrics();
  try {
    const result = await run();
    m.count.add(1, attributes);
    return result;
  } catch (error) {
    m.count.add(1, attributes);
    m.errors.add(1, attributes);
    recordError(span, error);
    throw error;
  } finally {
    m.duration.record(performance.now() - started, attributes);
    span.end();
  }
}

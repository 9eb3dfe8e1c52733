import { type Meter, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { StagesError } from '../errors/stages-error.js';
import { lazyMeter } from './lazy-meter.js';

const SCOPE_VERSION = '0.1.0';

/**
 * Tracers and meters come from the global OpenTelemetry API, which is a no-op until an SDK is registered
 * (core does that when telemetry is enabled). Leaf packages therefore instrument unconditionally at almost no
 * cost when telemetry is off.
 */
export function tracer(scope: string): Tracer {
  return trace.getTracer(`@stages/${scope}`, SCOPE_VERSION);
}

const meters = new Map<string, Meter>();

/** A meter whose instruments keep working when the SDK is registered after they were created (see lazy-meter). */
export function meter(scope: string): Meter {
  let m = meters.get(scope);
  if (m === undefined) {
    m = lazyMeter(`@stages/${scope}`, SCOPE_VERSION);
    meters.set(scope, m);
  }
  return m;
}

/** Marks a span failed with the error's stable code as an attribute, then rethrows nothing: the caller does. */
export function recordError(span: Span, error: unknown): void {
  const code = StagesError.is(error) ? error.code : 'INTERNAL';
  span.setAttribute('stages.error.code', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  if (error instanceof Error) span.recordException(error);
}

/** Runs fn in an active span, ending it and recording failure. */
export async function withSpan<T>(
  t: Tracer,
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return t.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

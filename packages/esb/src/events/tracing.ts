import { context, propagation, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { recordError, tracer } from '@stages/common';

const t = tracer('esb');

/**
 * Wraps a publish in a PRODUCER span and writes its W3C trace context into the message headers, so the
 * consumer's span joins the same trace (one trace shows HTTP in, route steps, calls and events out).
 */
export function tracedPublish<T>(
  topic: string,
  headers: Record<string, string>,
  send: (headers: Record<string, string>) => Promise<T>,
): Promise<T> {
  return t.startActiveSpan(
    `publish ${topic}`,
    { kind: SpanKind.PRODUCER, attributes: { 'messaging.destination.name': topic } },
    async (span) => {
      const carrier = { ...headers };
      propagation.inject(context.active(), carrier);
      try {
        return await send(carrier);
      } catch (error) {
        recordError(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Runs fn in the trace context the publisher put in the headers (a no-op context when there is none). */
export function withMessageContext<T>(headers: Readonly<Record<string, string>>, fn: () => T): T {
  return context.with(propagation.extract(ROOT_CONTEXT, headers), fn);
}

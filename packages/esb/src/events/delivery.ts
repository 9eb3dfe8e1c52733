import { SpanKind } from '@opentelemetry/api';
import { createLogger, meter, recordError, StagesError, tracer } from '@stages/common';
import { DLQ_HEADERS, type EventBus, type EventHandler, type EventMessage } from './event-bus.js';
import type { ResolvedSubscribeOptions } from './options.js';
import { withMessageContext } from './tracing.js';

const log = createLogger('esb.events');
const t = tracer('esb');
let instruments: ReturnType<typeof makeInstruments> | undefined;
// Looked up on first use, not at import: an SDK registered after this module loads must still see them.
function makeInstruments() {
  const m = meter('esb');
  return {
    handled: m.createCounter('stages.events.handled', { description: 'messages handled successfully' }),
    failed: m.createCounter('stages.events.failed', { description: 'handler attempts that threw' }),
    deadLettered: m.createCounter('stages.events.dead_lettered', { description: 'messages sent to a DLQ' }),
    duration: m.createHistogram('stages.events.handle.duration', { unit: 'ms' }),
  };
}
export const eventMetrics = () => (instruments ??= makeInstruments());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DeliveryContext {
  readonly bus: Pick<EventBus, 'publish'>;
  readonly group: string;
  readonly options: ResolvedSubscribeOptions;
  /** Checked between retries: a closing subscription stops retrying and leaves the message unacknowledged. */
  readonly closing: () => boolean;
}

/**
 * Runs the handler until it succeeds or the attempts run out, then dead-letters the message. Resolves `true`
 * when the message may be acknowledged (handled or dead-lettered), `false` when the subscription closed
 * mid-retry (the message stays pending and is redelivered).
 */
export async function deliver<T>(
  message: EventMessage<T>,
  handler: EventHandler<T>,
  ctx: DeliveryContext,
): Promise<boolean> {
  const { maxAttempts, backoffMs, maxBackoffMs } = ctx.options;
  let attempt = message.attempt;
  let lastError: unknown = new StagesError('INTERNAL', `consumer died ${attempt - 1} times handling this message`);
  const attrs = { 'messaging.destination.name': message.topic, 'messaging.consumer.group.name': ctx.group };
  while (attempt <= maxAttempts) {
    const started = performance.now();
    const ok = await withMessageContext(message.headers, () =>
      t.startActiveSpan(
        `process ${message.topic}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: { ...attrs, 'messaging.message.id': message.id, 'stages.attempt': attempt },
        },
        async (span) => {
          try {
            await handler({ ...message, attempt });
            return true;
          } catch (error) {
            lastError = error;
            recordError(span, error);
            return false;
          } finally {
            span.end();
          }
        },
      ),
    );
    eventMetrics().duration.record(performance.now() - started, attrs);
    if (ok) {
      eventMetrics().handled.add(1, attrs);
      return true;
    }
    eventMetrics().failed.add(1, attrs);
    log.warn({ topic: message.topic, id: message.id, attempt, err: describe(lastError) }, 'handler failed');
    if (attempt === maxAttempts) break;
    await sleep(Math.min(backoffMs * 2 ** (attempt - 1), maxBackoffMs));
    if (ctx.closing()) return false;
    attempt++;
  }
  await deadLetter(message, lastError, Math.max(attempt, message.attempt), ctx);
  return true;
}

async function deadLetter(message: EventMessage, error: unknown, attempts: number, ctx: DeliveryContext) {
  const attrs = { 'messaging.destination.name': message.topic, 'messaging.consumer.group.name': ctx.group };
  eventMetrics().deadLettered.add(1, attrs);
  const target = ctx.options.deadLetterTopic;
  if (target === false) {
    log.error(
      { topic: message.topic, id: message.id, attempts, err: describe(error) },
      'message dropped after retries',
    );
    return;
  }
  const code = StagesError.is(error) ? error.code : 'INTERNAL';
  // The DLQ copy keeps the id, key and headers, so a replay tool can put it back where it came from.
  await ctx.bus.publish(target, message.value, {
    id: message.id,
    ...(message.key === undefined ? {} : { key: message.key }),
    headers: {
      ...message.headers,
      [DLQ_HEADERS.code]: code,
      [DLQ_HEADERS.message]: describe(error).slice(0, 1_000),
      [DLQ_HEADERS.topic]: message.topic,
      [DLQ_HEADERS.group]: ctx.group,
      [DLQ_HEADERS.attempts]: String(attempts),
    },
  });
  log.warn({ topic: message.topic, id: message.id, attempts, deadLetterTopic: target }, 'message dead-lettered');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

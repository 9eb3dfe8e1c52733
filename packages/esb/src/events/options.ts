import { StagesError } from '@stages/common';
import type { SubscribeOptions } from './event-bus.js';

export interface ResolvedSubscribeOptions {
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly deadLetterTopic: string | false;
  readonly from: 'earliest' | 'latest';
  readonly broadcast: boolean;
}

const fail = (field: string, value: unknown) =>
  new StagesError('CONFIG_INVALID', `subscribe ${field}: invalid value ${String(value)}`, { details: { field } });

/**
 * Validates once per subscription, with the field named, and fills in the defaults. The topic is checked as
 * publish checks it (MESSAGE_INVALID), so a topic one side accepts the other accepts too.
 */
export function resolveSubscribeOptions(
  topic: string,
  group: string,
  o: SubscribeOptions = {},
): ResolvedSubscribeOptions {
  checkTopic(topic);
  if (typeof group !== 'string' || group === '') throw fail('group', group);
  const maxAttempts = o.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw fail('maxAttempts', maxAttempts);
  const backoffMs = o.backoffMs ?? 100;
  if (!(backoffMs >= 0)) throw fail('backoffMs', backoffMs);
  const maxBackoffMs = o.maxBackoffMs ?? 5_000;
  if (!(maxBackoffMs >= backoffMs)) throw fail('maxBackoffMs', maxBackoffMs);
  const from = o.from ?? 'latest';
  if (from !== 'earliest' && from !== 'latest') throw fail('from', from);
  const broadcast = o.broadcast ?? false;
  if (typeof broadcast !== 'boolean') throw fail('broadcast', broadcast);
  const deadLetterTopic = o.deadLetterTopic === undefined ? `${topic}.dlq` : o.deadLetterTopic;
  return Object.freeze({ maxAttempts, backoffMs, maxBackoffMs, deadLetterTopic, from, broadcast });
}

export function checkTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || topic === '' || /\s/.test(topic)) {
    throw new StagesError('MESSAGE_INVALID', `topic must be a non-empty string without spaces, got ${String(topic)}`);
  }
}

import { randomUUID } from 'node:crypto';
import { StagesError } from '@stages/common';
import type { PublishOptions } from './event-bus.js';
import { checkTopic } from './options.js';

/**
 * The checks every publish makes before any transport work, in one place so that every bus (and the outbox)
 * turns the same bad input into the same MESSAGE_INVALID: a topic no transport can name, a value that could
 * not cross a network. The id is settled here too: the caller's (an outbox relay republishing keeps it) or a
 * fresh UUID.
 */
export function preparePublish(
  topic: unknown,
  value: unknown,
  options: PublishOptions,
  what = 'message',
): { id: string; json: string } {
  checkTopic(topic);
  const json = JSON.stringify(value);
  if (json === undefined) throw new StagesError('MESSAGE_INVALID', `${what} value is not JSON-serialisable`);
  return { id: options.id ?? randomUUID(), json };
}

/**
 * A broker that refused the message or could not be reached. UNAVAILABLE whichever transport it was, so a
 * caller (or the outbox relay) retries on the code rather than on a client library's error class.
 */
export function publishFailed(topic: string, cause: unknown): StagesError {
  return new StagesError('UNAVAILABLE', `publish to ${topic} failed: ${(cause as Error).message}`, { cause });
}

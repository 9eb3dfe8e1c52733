import { StagesError } from '@stages/common';
import type { EventMessage } from './event-bus.js';

/** Field layout of one stream entry. Short names: they are stored once per message. `json` is the value, encoded. */
export function encodeEntry(
  id: string,
  key: string | undefined,
  headers: Record<string, string>,
  json: string,
): string[] {
  return ['id', id, 'k', key ?? '', 'h', JSON.stringify(headers), 'v', json, 't', String(Date.now())];
}

/**
 * Rebuilds a message from an entry's flat field list. A foreign or corrupt entry throws MESSAGE_INVALID: the
 * consumer dead-letters it at once rather than retrying what can never parse.
 */
export function decodeEntry(topic: string, entryId: string, fields: readonly string[], attempt: number): EventMessage {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
  try {
    const key = f.get('k');
    return {
      id: f.get('id') ?? entryId,
      topic,
      headers: JSON.parse(f.get('h') ?? '{}') as Record<string, string>,
      value: JSON.parse(f.get('v') ?? 'null') as unknown,
      attempt,
      timestamp: Number(f.get('t') ?? Number.parseInt(entryId, 10)),
      ...(key ? { key } : {}),
    };
  } catch (error) {
    throw new StagesError('MESSAGE_INVALID', `stream entry ${entryId} on ${topic} is not a Stages message`, {
      cause: error,
    });
  }
}

import { StagesError } from '@stages/common';
import { type ConfigDocument, isPlainObject } from '../document.js';
import type { GrayRule } from '../gray.js';

/** One published version. Stored whole in `versions/v-N`, and copied into `current` / `gray` so a reader needs one read. */
export interface VersionRecord {
  version: number;
  document: ConfigDocument;
  author: string;
  message: string;
  /** ISO-8601. */
  time: string;
  kind: 'publish' | 'rollback' | 'gray';
  /** For a rollback: the version whose document was published again. */
  from?: number;
  /** For a gray release: who sees it first. */
  gray?: GrayRule;
}

export function encodeRecord(record: VersionRecord): Buffer {
  return Buffer.from(JSON.stringify(record));
}

export function decodeRecord(data: Buffer | undefined, where: string): VersionRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data?.toString('utf8') ?? '');
  } catch (cause) {
    throw new StagesError('DATA_LOSS', `${where} does not hold a config version`, { cause });
  }
  if (!isPlainObject(parsed) || typeof parsed.version !== 'number' || !isPlainObject(parsed.document))
    throw new StagesError('DATA_LOSS', `${where} does not hold a config version`);
  return parsed as unknown as VersionRecord;
}

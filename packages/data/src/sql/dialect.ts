import { StagesError } from '@stages/common';
import type { Dialect } from '../datasource.js';

/** Quotes an identifier for the dialect; names outside [A-Za-z0-9_] are refused rather than escaped. */
export function quoteIdent(dialect: Dialect, name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new StagesError('INVALID_ARGUMENT', `invalid identifier "${name}"`, { details: { identifier: name } });
  }
  return dialect === 'mysql' ? `\`${name}\`` : `"${name}"`;
}

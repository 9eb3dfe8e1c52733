import { StagesError } from '@stages/common';
import type { CacheOptions } from '../options.js';

/** The cache-wide defaults a call's LoadOptions may override, filled in and checked once. */
export type CacheDefaults = Readonly<
  Required<Pick<CacheOptions, 'ttlMs' | 'jitter' | 'staleMs' | 'absentTtlMs' | 'delayedDeleteMs'>>
>;

export function resolveDefaults(options: CacheOptions): CacheDefaults {
  const defaults = {
    ttlMs: options.ttlMs ?? 60_000,
    jitter: options.jitter ?? 0.1,
    staleMs: options.staleMs ?? 0,
    absentTtlMs: options.absentTtlMs ?? 30_000,
    delayedDeleteMs: options.delayedDeleteMs ?? 0,
  };
  const check = (field: string, value: number, ok: boolean) => {
    if (!ok) throw new StagesError('INVALID_ARGUMENT', `cache option "${field}" is invalid: ${value}`);
  };
  check('ttlMs', defaults.ttlMs, defaults.ttlMs > 0);
  check('jitter', defaults.jitter, defaults.jitter >= 0 && defaults.jitter <= 1);
  check('staleMs', defaults.staleMs, defaults.staleMs >= 0);
  check('absentTtlMs', defaults.absentTtlMs, defaults.absentTtlMs >= 0);
  check('delayedDeleteMs', defaults.delayedDeleteMs, defaults.delayedDeleteMs >= 0);
  return Object.freeze(defaults);
}

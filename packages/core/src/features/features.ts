import { type CallContext, createLogger, currentContext, StagesError } from '@stages/common';
import { z } from 'zod';
import { bucketOf } from './rollout.js';

/** `true`/`false`, or a rollout to a percentage of callers (by a stable key: the caller id, hashed). */
export const FlagValueSchema = z.union([
  z.boolean(),
  z.object({ percent: z.number().min(0).max(100), key: z.enum(['caller']).optional() }).strict(),
]);
export type FlagValue = z.infer<typeof FlagValueSchema>;
export const FlagsSchema = z.record(z.string(), FlagValueSchema);
export type Flags = z.infer<typeof FlagsSchema>;

const log = createLogger('core.features');

/**
 * Feature toggles backed by config. `set` replaces the whole table (the app calls it on every config change),
 * so a flag flips in every running instance without a restart.
 */
export class Features {
  #flags: Flags;
  readonly #listeners = new Set<(flags: Flags) => void>();

  constructor(flags: Flags = {}) {
    this.#flags = parseFlags(flags);
  }

  /**
   * Whether `flag` is on for this call. Unknown flags are off. A percentage rollout needs a key: the caller
   * from `ctx` (or the current call context); a call with no caller is only in a 100% rollout.
   */
  isOn(flag: string, ctx: Pick<CallContext, 'caller'> | { key: string } | undefined = currentContext()): boolean {
    const value = this.#flags[flag];
    if (value === undefined || typeof value === 'boolean') return value === true;
    if (value.percent >= 100) return true;
    const key = ctx && 'key' in ctx ? ctx.key : ctx?.caller;
    if (key === undefined) return false;
    return bucketOf(flag, key) < value.percent;
  }

  /** Throws FEATURE_DISABLED when off; for guarding a code path with one line. */
  require(flag: string, ctx?: Pick<CallContext, 'caller'> | { key: string }): void {
    if (!this.isOn(flag, ctx)) {
      throw new StagesError('FEATURE_DISABLED', `feature "${flag}" is off`, { details: { feature: flag } });
    }
  }

  snapshot(): Readonly<Flags> {
    return this.#flags;
  }

  /** Replaces the table. Invalid input is rejected whole with CONFIG_INVALID and the old table stays. */
  set(flags: unknown): void {
    this.#flags = parseFlags(flags);
    log.debug({ flags: this.#flags }, 'feature flags changed');
    for (const listener of this.#listeners) listener(this.#flags);
  }

  onChange(listener: (flags: Flags) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

function parseFlags(flags: unknown): Flags {
  const parsed = FlagsSchema.safeParse(flags ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StagesError('CONFIG_INVALID', `features.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return Object.freeze(parsed.data);
}

import type { LoadOptions } from '../options.js';
import { jitterTtl } from '../protection/jitter.js';
import type { Serializer } from '../serializer.js';
import type { CacheDefaults } from './defaults.js';
import { type Entry, encodeEntry } from './entry.js';
import type { Level1 } from './level1.js';
import type { Level2 } from './level2.js';
import type { Namespace } from './namespace.js';

/** The part of a call's LoadOptions that decides how long an entry lives. */
export type TtlOptions = Pick<LoadOptions<unknown>, 'ttlMs' | 'jitter' | 'staleMs' | 'absentTtlMs'>;

/**
 * Writes an entry to both levels: a loaded value, a `set`, or an "absent" marker. The TTLs (with jitter and
 * the stale window) are worked out here, from the call's options over the cache's defaults.
 */
export class WriteThrough {
  readonly #defaults: CacheDefaults;
  readonly #level1: Level1;
  readonly #level2: Level2;
  readonly #serializer: Serializer;

  constructor(defaults: CacheDefaults, level1: Level1, level2: Level2, serializer: Serializer) {
    this.#defaults = defaults;
    this.#level1 = level1;
    this.#level2 = level2;
    this.#serializer = serializer;
  }

  value(ns: Namespace, key: string, full: string, value: unknown, options?: TtlOptions): Promise<void> {
    const ttlMs = jitterTtl(options?.ttlMs ?? this.#defaults.ttlMs, options?.jitter ?? this.#defaults.jitter);
    const staleMs = options?.staleMs ?? this.#defaults.staleMs;
    return this.#write(ns, key, full, VALUE, value, ttlMs, staleMs);
  }

  /** Remembers that the loader found nothing, in both levels, for `absentTtlMs` (0: not at all). */
  async absent(ns: Namespace, key: string, full: string, options?: TtlOptions): Promise<void> {
    const ttlMs = options?.absentTtlMs ?? this.#defaults.absentTtlMs;
    if (ttlMs > 0) await this.#write(ns, key, full, ABSENT, undefined, ttlMs, 0);
  }

  /** The same in level 1 only: the Bloom filter's verdict, which every instance reaches by itself. */
  absentHere(ns: Namespace, key: string, options?: TtlOptions): void {
    const ttlMs = options?.absentTtlMs ?? this.#defaults.absentTtlMs;
    if (ttlMs > 0) this.#level1.fill(ns, key, { ...ABSENT, expiresAt: Date.now() + ttlMs });
  }

  async #write(
    ns: Namespace,
    key: string,
    full: string,
    kind: Entry,
    value: unknown,
    ttlMs: number,
    staleMs: number,
  ): Promise<void> {
    const now = Date.now();
    // Serialise only for level 2 or a byte-bounded level 1: a local-only cache keeps the object as it is.
    const payload =
      kind.absent || (!this.#level2.enabled && !this.#level1.measuresSize) ? '' : this.#serializer.serialize(value);
    const entry: Entry = {
      value,
      absent: kind.absent,
      expiresAt: now + ttlMs + staleMs,
      freshUntil: staleMs > 0 ? now + ttlMs : Number.POSITIVE_INFINITY,
      size: Math.max(1, payload.length),
    };
    this.#level1.fill(ns, key, entry);
    if (this.#level2.enabled) await this.#level2.set(full, encodeEntry(entry, payload), ttlMs + staleMs);
  }
}

// Templates for #write, which fills in the clocks and size.
const ABSENT: Entry = { value: undefined, absent: true, expiresAt: 0, freshUntil: Number.POSITIVE_INFINITY, size: 1 };
const VALUE: Entry = { value: undefined, absent: false, expiresAt: 0, freshUntil: Number.POSITIVE_INFINITY, size: 1 };

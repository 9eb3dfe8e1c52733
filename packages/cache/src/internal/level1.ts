import { type CacheStats, instruments } from '../metrics.js';
import type { LocalLevelOptions } from '../options.js';
import { LocalStore } from '../stores/local-store.js';
import type { Entry } from './entry.js';
import type { Namespace } from './namespace.js';

/**
 * Level 1: builds each namespace's LRU and fills it. Reads are not here: the level-1 hit is the hottest path
 * of the cache and stays inline in CacheCore.getOrLoad, one map lookup away from the caller.
 */
export class Level1 {
  /** Entries carry their serialised size only when a byte bound needs it (serialising costs on every fill). */
  readonly measuresSize: boolean;
  readonly #options: LocalLevelOptions | false;
  readonly #ttlCapMs: number;
  readonly #stats: CacheStats;

  constructor(options: LocalLevelOptions | false, stats: CacheStats) {
    this.#options = options;
    this.#ttlCapMs = options === false ? 0 : (options.ttlMs ?? Number.POSITIVE_INFINITY);
    this.measuresSize = options !== false && options.maxBytes !== undefined;
    this.#stats = stats;
  }

  /** A namespace's own store (a new one for each of its versions); undefined when level 1 is off. */
  create(): LocalStore<Entry> | undefined {
    const l1 = this.#options;
    if (l1 === false) return undefined;
    return new LocalStore<Entry>({
      ...(l1.maxEntries === undefined ? {} : { maxEntries: l1.maxEntries }),
      ...(l1.maxBytes === undefined ? {} : { maxBytes: l1.maxBytes }),
      sizeOf: (entry) => entry.size,
      expiresAt: (entry) => entry.expiresAt,
      onEvict: () => {
        this.#stats.evictions++;
        instruments.evictions.add(1);
      },
    });
  }

  fill(ns: Namespace, key: string, entry: Entry): void {
    if (ns.l1 === undefined) return;
    if (this.#ttlCapMs === Number.POSITIVE_INFINITY) {
      ns.l1.setSync(key, entry, 0);
      return;
    }
    // l1.ttlMs caps how long a copy lives here, in case an invalidation message is lost.
    const cap = Date.now() + this.#ttlCapMs;
    ns.l1.setSync(key, entry.expiresAt <= cap ? entry : { ...entry, expiresAt: cap }, 0);
  }
}

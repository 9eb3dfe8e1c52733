import { SingleFlight } from '../protection/single-flight.js';
import type { LocalStore } from '../stores/local-store.js';
import type { Entry } from './entry.js';

/**
 * A namespace's key prefix `name:vN:` in level 2, and its own level-1 store. N is the configured version
 * plus the cluster-wide bump count kept in Redis, so changing the code's version (a schema change) or calling
 * bumpVersion() makes every old key unreachable at once; old level-2 entries then age out by TTL, and the
 * level-1 store is replaced, which frees the old entries here at once.
 *
 * Level 1 is keyed by the caller's key, not the prefixed one: building `prefix + key` on every hit costs
 * several times the LRU lookup itself (a fresh string must be flattened and hashed).
 */
export class Namespace {
  /** Undefined until the bump count is known; lookups then take the slow path, which resolves it first. */
  prefix: string | undefined;
  l1: LocalStore<Entry> | undefined;
  /** Loads in flight, by the caller's key too (its hash is already cached from the level-1 lookup). */
  readonly flight = new SingleFlight();
  resolving: Promise<string> | undefined;
  #bumps = -1;

  constructor(
    readonly name: string,
    readonly baseVersion: number,
    private readonly newL1: () => LocalStore<Entry> | undefined,
  ) {}

  get version(): number {
    return this.baseVersion + Math.max(0, this.#bumps);
  }

  get bumps(): number {
    return Math.max(0, this.#bumps);
  }

  setBumps(bumps: number): string {
    const next = Math.max(0, Number.isFinite(bumps) ? bumps : 0);
    if (next !== this.#bumps) {
      this.#bumps = next;
      this.prefix = `${this.name}:v${this.version}:`;
      this.l1 = this.newL1();
    }
    return this.prefix!;
  }
}

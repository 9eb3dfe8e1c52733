import { createLogger } from '@stages/common';
import { type CacheStats, instruments, L2 } from '../metrics.js';
import { Breaker, type BreakerOptions } from '../resilience/breaker.js';
import type { Serializer } from '../serializer.js';
import type { CacheStore } from '../stores/store.js';
import { decodeEntry, type Entry } from './entry.js';

/** What a level-2 command resolves to when it was skipped or failed: never an exception. */
export const FAILED: unique symbol = Symbol('l2 failed');
export type Failed = typeof FAILED;

const MAX_PENDING_DELETES = 10_000;
const log = createLogger('cache');

/** State read from Redis that may be out of date after an outage (the namespaces' versions). */
export interface Recoverable {
  /** True while some of it could not be read: the next command that succeeds calls `refresh`. */
  readonly stale: boolean;
  refresh(): void;
}

const same = <T>(value: T): T => value;
const NOTHING_TO_RECOVER: Recoverable = { stale: false, refresh() {} };

/**
 * Level 2 behind its breaker. Every Redis command of the cache comes through here (reads, writes, deletes,
 * the lock, a Redis Bloom filter, invalidation publishes): skipped while the breaker is open, failures
 * counted, never thrown. Deletes that failed during an outage are kept and run before anything else once
 * Redis answers, so nothing reads a value that should have been deleted.
 */
export class Level2 {
  readonly breaker: Breaker;
  /** False for a local-only cache (no level-2 store): then only the breaker and `call` are used. */
  readonly enabled: boolean;
  readonly #store: CacheStore | undefined;
  readonly #serializer: Serializer;
  readonly #stats: CacheStats;
  readonly #pendingDeletes = new Set<string>();
  #recoverable = NOTHING_TO_RECOVER;

  constructor(store: CacheStore | undefined, serializer: Serializer, stats: CacheStats, breaker?: BreakerOptions) {
    this.#store = store;
    this.enabled = store !== undefined;
    this.#serializer = serializer;
    this.#stats = stats;
    this.breaker = new Breaker({
      ...breaker,
      onStateChange: (state) => {
        instruments.breakerTransitions.add(1, { state });
        if (state === 'closed') this.#recoverable.refresh(); // it may have changed while we could not hear it
        breaker?.onStateChange?.(state);
      },
    });
  }

  /** Registers what to re-read when Redis answers again. */
  recoverWith(recoverable: Recoverable): void {
    this.#recoverable = recoverable;
  }

  /** GET and decode: the entry, or undefined on a miss, an open breaker or a failed read. */
  read(full: string): Promise<Entry | undefined> {
    return this.readThen(full, same);
  }

  /**
   * `read`, continued by `then` in the same async frame. This is the level-2 hit path, priced against a bare
   * loopback GET: awaiting `read` from another async function costs one more promise and microtask per hit
   * (~2% of throughput, measured), so the caller hands over its next step instead. For the same reason the
   * breaker steps of `call` are written out here rather than `call(() => get(full))`.
   */
  async readThen<R>(full: string, then: (entry: Entry | undefined) => R): Promise<Awaited<R>> {
    let raw: string | undefined | null;
    if (!this.breaker.allow()) this.#skipped();
    else {
      try {
        if (this.#pendingDeletes.size > 0) await this.#flushPendingDeletes();
        raw = await this.#store!.get(full);
        this.#succeeded();
      } catch (error) {
        this.#failed(error);
      }
    }
    const entry = raw === undefined || raw === null ? undefined : decodeEntry(raw, this.#serializer);
    if (entry === undefined) {
      this.#stats.l2Misses++;
      instruments.misses.add(1, L2);
    } else {
      this.#stats.l2Hits++;
      instruments.hits.add(1, L2);
    }
    return then(entry) as Awaited<R>; // an async function adopts a returned promise
  }

  /** Runs one level-2 command: its result, or FAILED when the breaker skipped it or it failed. */
  async call<R>(op: () => Promise<R>): Promise<R | Failed> {
    if (!this.breaker.allow()) {
      this.#skipped();
      return FAILED;
    }
    try {
      if (this.#pendingDeletes.size > 0) await this.#flushPendingDeletes();
      const result = await op();
      this.#succeeded();
      return result;
    } catch (error) {
      this.#failed(error);
      return FAILED;
    }
  }

  /** Only when `enabled`. */
  set(full: string, value: string, ttlMs: number): Promise<unknown> {
    const store = this.#store!;
    return this.call(() => store.set(full, value, ttlMs));
  }

  /** Deletes keys from level 2; if Redis cannot answer, deletes them as soon as it can. */
  async delete(full: readonly string[]): Promise<void> {
    const store = this.#store;
    if (store === undefined) return;
    const done = await this.call(() => deleteAll(store, full));
    if (done === FAILED) {
      // Redis may still hold the old value when it returns: delete it then, before trusting level 2 again.
      for (const key of full) {
        if (this.#pendingDeletes.size >= MAX_PENDING_DELETES) break;
        this.#pendingDeletes.add(key);
      }
      log.warn({ keys: full.length, pending: this.#pendingDeletes.size }, 'level-2 delete deferred: Redis unavailable');
    }
  }

  #succeeded(): void {
    this.breaker.success();
    if (this.#recoverable.stale) this.#recoverable.refresh();
  }

  #failed(error: unknown): void {
    this.#stats.l2Errors++;
    instruments.l2Errors.add(1);
    this.breaker.failure(error);
  }

  #skipped(): void {
    this.#stats.l2Skipped++;
    instruments.l2Skipped.add(1);
  }

  async #flushPendingDeletes(): Promise<void> {
    const keys = [...this.#pendingDeletes];
    await deleteAll(this.#store!, keys);
    for (const key of keys) this.#pendingDeletes.delete(key);
    log.info({ keys: keys.length }, 'deferred level-2 deletes applied');
  }
}

async function deleteAll(store: CacheStore, keys: readonly string[]): Promise<void> {
  if (store.deleteMany) await store.deleteMany(keys);
  else await Promise.all(keys.map((key) => store.delete(key)));
}

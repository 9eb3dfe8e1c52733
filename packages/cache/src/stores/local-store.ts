import { StagesError } from '@stages/common';
import { LRUCache } from 'lru-cache';
import { coarseNow } from '../internal/clock.js';
import type { CacheStore } from './store.js';

export interface LocalStoreOptions<V> {
  /** Most entries kept; the least recently used goes first. Default 10,000. */
  maxEntries?: number;
  /** Bound on the summed size of the entries, as `sizeOf` measures it. Off unless set. */
  maxBytes?: number;
  /** Size of one entry in bytes (approximately). Default: string length for strings, else 1. */
  sizeOf?: (value: V, key: string) => number;
  /** Called when an entry is pushed out to make room (not when it expires or is deleted). */
  onEvict?: (key: string, value: V) => void;
  /**
   * When set, each value carries its own expiry (epoch ms) and the store checks it on read instead of using
   * lru-cache's TTL tracking, which costs about as much as the lookup itself. `ttlMs` arguments are then
   * ignored: the value's expiry rules. The two-level cache's level 1 uses this.
   */
  expiresAt?: (value: V) => number;
}

/**
 * An in-process LRU on lru-cache 11, bounded by entries and, optionally, by bytes. The synchronous methods are
 * what the two-level cache uses for its level 1: a hit there must not cost a promise per lookup.
 */
export class LocalStore<V extends {} = string> implements CacheStore<V> {
  readonly name = 'local';
  readonly #lru: LRUCache<string, V>;
  readonly #expiresAt: ((value: V) => number) | undefined;

  constructor(options: LocalStoreOptions<V> = {}) {
    const maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new StagesError('INVALID_ARGUMENT', `LocalStore maxEntries must be a positive integer, got ${maxEntries}`);
    }
    if (options.maxBytes !== undefined && !(options.maxBytes > 0)) {
      throw new StagesError('INVALID_ARGUMENT', `LocalStore maxBytes must be > 0, got ${options.maxBytes}`);
    }
    const sizeOf = options.sizeOf ?? defaultSizeOf;
    const onEvict = options.onEvict;
    this.#expiresAt = options.expiresAt;
    this.#lru = new LRUCache<string, V>({
      max: maxEntries,
      ...(options.maxBytes === undefined
        ? {}
        : {
            maxSize: options.maxBytes,
            // lru-cache rejects sizes < 1; a value larger than maxBytes is simply not stored.
            sizeCalculation: (value: V, key: string) => Math.max(1, Math.ceil(sizeOf(value, key))),
          }),
      ...(onEvict === undefined
        ? {}
        : { dispose: (value: V, key: string, reason: string) => reason === 'evict' && onEvict(key, value) }),
    });
  }

  get size(): number {
    return this.#lru.size;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  getSync(key: string): V | undefined {
    const value = this.#lru.get(key);
    if (value === undefined || this.#expiresAt === undefined || this.#expiresAt(value) > coarseNow()) return value;
    this.#lru.delete(key);
    return undefined;
  }

  setSync(key: string, value: V, ttlMs: number): void {
    if (this.#expiresAt !== undefined) this.#lru.set(key, value);
    else this.#lru.set(key, value, { ttl: Math.max(1, Math.ceil(ttlMs)) });
  }

  deleteSync(key: string): void {
    this.#lru.delete(key);
  }

  clear(): void {
    this.#lru.clear();
  }

  keys(): IterableIterator<string> {
    return this.#lru.keys();
  }

  async get(key: string): Promise<V | undefined> {
    return this.getSync(key);
  }

  async set(key: string, value: V, ttlMs: number): Promise<void> {
    this.setSync(key, value, ttlMs);
  }

  async delete(key: string): Promise<void> {
    this.#lru.delete(key);
  }

  async getMany(keys: readonly string[]): Promise<(V | undefined)[]> {
    return keys.map((key) => this.getSync(key));
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#lru.delete(key);
  }

  async close(): Promise<void> {
    this.#lru.clear();
  }
}

function defaultSizeOf(value: unknown): number {
  return typeof value === 'string' ? value.length : 1;
}

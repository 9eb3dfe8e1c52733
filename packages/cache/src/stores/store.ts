/**
 * One level of a cache: a key/value map whose entries expire. The two-level cache composes two of these
 * (a local LRU in front of Redis), and anything that meets this contract can stand in for either.
 *
 * Contract:
 * - `get` resolves `undefined` (or `null`, as Redis clients say it) for a missing or expired key; never a
 *   value past its TTL.
 * - `set` stores for `ttlMs` milliseconds (> 0); a later `set` replaces value and TTL.
 * - `delete` of a missing key is not an error.
 * - A remote store rejects when it cannot answer (the cache counts that towards its breaker and carries on
 *   without it); it must not hang: time out fast instead.
 * - `getMany`/`deleteMany` are optional batch forms for stores where one round trip can serve many keys.
 */
export interface CacheStore<V = string> {
  readonly name: string;
  get(key: string): Promise<V | undefined | null>;
  set(key: string, value: V, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  getMany?(keys: readonly string[]): Promise<(V | undefined)[]>;
  deleteMany?(keys: readonly string[]): Promise<void>;
  close?(): Promise<void>;
}

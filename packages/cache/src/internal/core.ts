import { randomUUID } from 'node:crypto';
import { createLogger, recordError, StagesError, tracer } from '@stages/common';
import type { BloomFilter } from '../bloom/bloom-filter.js';
import { RedisBloomFilter } from '../bloom/redis-bloom.js';
import { InvalidationBus, type InvalidationMessage } from '../consistency/invalidation-bus.js';
import { type CacheStats, emptyStats, instruments, L1, L2 } from '../metrics.js';
import type { CacheOptions, InvalidationEvent, LoadOptions, LocalLevelOptions } from '../options.js';
import { jitterTtl } from '../protection/jitter.js';
import { RedisLock } from '../protection/redis-lock.js';
import { SingleFlight } from '../protection/single-flight.js';
import { Breaker, type BreakerState } from '../resilience/breaker.js';
import { jsonSerializer, type Serializer } from '../serializer.js';
import { LocalStore } from '../stores/local-store.js';
import { RedisStore } from '../stores/redis-store.js';
import type { CacheStore } from '../stores/store.js';
import { coarseNow } from './clock.js';
import { decodeEntry, type Entry, encodeEntry } from './entry.js';
import { Namespace } from './namespace.js';
import { sleep } from './sleep.js';

const FAILED: unique symbol = Symbol('l2 failed');
type Failed = typeof FAILED;
const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);
const MAX_PENDING_DELETES = 10_000;

const log = createLogger('cache');
const trace = tracer('cache');

/**
 * The machinery shared by a cache and all its namespace views: the two levels, the guards, the bus.
 * TwoLevelCache is the public face; this class is internal and takes the namespace explicitly.
 */
export class CacheCore {
  readonly instanceId: string;
  readonly stats: CacheStats = emptyStats();
  readonly l2: CacheStore | undefined;
  readonly breaker: Breaker;
  readonly #redis: RedisStore | undefined;
  readonly #l1Options: LocalLevelOptions | false;
  readonly #l1TtlMs: number;
  readonly #measureSize: boolean;
  readonly #serializer: Serializer;
  readonly #bloom: BloomFilter | undefined;
  readonly #bloomOnL2: boolean;
  readonly #lock: RedisLock | undefined;
  readonly #lockWaitMs: number;
  readonly #bus: InvalidationBus | undefined;
  readonly #refreshes = new SingleFlight();
  readonly #namespaces = new Map<string, Namespace>();
  readonly #pendingDeletes = new Set<string>();
  readonly #listeners = new Set<(event: InvalidationEvent) => void>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly defaults: Required<Pick<CacheOptions, 'ttlMs' | 'jitter' | 'staleMs' | 'absentTtlMs' | 'delayedDeleteMs'>>;
  #closed = false;
  #versionsUnverified = false;

  constructor(options: CacheOptions) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.defaults = {
      ttlMs: options.ttlMs ?? 60_000,
      jitter: options.jitter ?? 0.1,
      staleMs: options.staleMs ?? 0,
      absentTtlMs: options.absentTtlMs ?? 30_000,
      delayedDeleteMs: options.delayedDeleteMs ?? 0,
    };
    validate(this.defaults);
    this.#serializer = options.serializer ?? jsonSerializer;
    const l1 = options.l1 ?? {};
    this.#l1Options = l1;
    this.#l1TtlMs = l1 === false ? 0 : (l1.ttlMs ?? Number.POSITIVE_INFINITY);
    this.#measureSize = l1 !== false && l1.maxBytes !== undefined;
    this.l2 = options.l2;
    this.#redis = options.l2 instanceof RedisStore ? options.l2 : undefined;
    this.breaker = new Breaker({
      ...options.breaker,
      onStateChange: (state) => this.#onBreaker(state, options.breaker?.onStateChange),
    });
    this.#bloom = options.bloom;
    this.#bloomOnL2 = options.bloom instanceof RedisBloomFilter;
    const lock = options.lock === true ? {} : options.lock || undefined;
    if (lock !== undefined && this.#redis === undefined) {
      throw new StagesError('INVALID_ARGUMENT', 'cache option "lock" needs a RedisStore as l2');
    }
    this.#lock = lock && this.#redis ? new RedisLock(this.#redis.client, { ttlMs: lock.ttlMs ?? 5_000 }) : undefined;
    this.#lockWaitMs = lock?.waitMs ?? 1_000;
    const wantBus = options.invalidation ?? this.#redis !== undefined;
    if (wantBus && this.#redis === undefined) {
      throw new StagesError('INVALID_ARGUMENT', 'cache option "invalidation" needs a RedisStore as l2');
    }
    this.#bus =
      wantBus && this.#redis
        ? new InvalidationBus(
            this.#redis.client,
            this.#redis.subscriber(),
            options.channel ?? 'stages:cache:invalidate',
          )
        : undefined;
  }

  async start(): Promise<void> {
    await this.#bus?.start({
      onMessage: (message) => this.#onMessage(message),
      onResync: () => {
        // Invalidations sent while we were cut off are lost: every level-1 copy is suspect.
        log.warn('invalidation channel reconnected: clearing level 1');
        for (const ns of this.#namespaces.values()) ns.l1?.clear();
        this.#refreshVersions(); // a bump may have been among the lost messages
      },
    });
  }

  namespace(name: string, version: number): Namespace {
    const key = `${name}\0${version}`;
    let ns = this.#namespaces.get(key);
    if (ns === undefined) {
      ns = new Namespace(name, version, () => this.#newL1());
      this.#namespaces.set(key, ns);
      if (this.#redis === undefined) ns.setBumps(0);
      else void this.resolveVersion(ns);
    }
    return ns;
  }

  /** Reads the namespace's bump count from Redis (once); if Redis cannot answer, uses 0 and retries on recovery. */
  resolveVersion(ns: Namespace): Promise<string> {
    if (ns.prefix !== undefined) return Promise.resolve(ns.prefix);
    ns.resolving ??= (async () => {
      const raw = await this.#l2Call(() => this.#redis!.client.get(bumpKey(ns.name)));
      ns.resolving = undefined;
      // Unknown while Redis is down: serve under the configured version, and look again once Redis answers.
      if (raw === FAILED) this.#versionsUnverified = true;
      return ns.setBumps(raw === FAILED ? 0 : Number(raw ?? 0));
    })();
    return ns.resolving;
  }

  // ---- reads -------------------------------------------------------------------------------------------

  getOrLoad<T>(ns: Namespace, key: string, loader: () => Promise<T>, options?: LoadOptions<T>): Promise<T | undefined> {
    const l1 = ns.l1;
    if (l1 !== undefined) {
      const entry = l1.getSync(key);
      if (entry !== undefined) {
        this.stats.l1Hits++;
        instruments.hits.add(1, L1);
        if (entry.freshUntil !== Number.POSITIVE_INFINITY && entry.freshUntil <= Date.now()) {
          this.#refreshInBackground(ns, key, loader, options);
        }
        if (entry.absent) {
          this.stats.absentHits++;
          return RESOLVED_UNDEFINED;
        }
        return Promise.resolve(entry.value as T);
      }
      this.stats.l1Misses++;
      instruments.misses.add(1, L1);
    }
    const prefix = ns.prefix;
    if (prefix === undefined) return this.resolveVersion(ns).then(() => this.getOrLoad(ns, key, loader, options));
    return this.#fetch(ns, key, prefix + key, loader, options);
  }

  /** Lookup without loading: level 1, then level 2. */
  async get<T>(ns: Namespace, key: string): Promise<T | undefined> {
    const prefix = ns.prefix ?? (await this.resolveVersion(ns));
    const entry = ns.l1?.getSync(key) ?? (await this.#readL2(prefix + key));
    if (entry === undefined || entry.absent) return undefined;
    return entry.value as T;
  }

  peek(ns: Namespace, key: string): unknown {
    const entry = ns.l1?.getSync(key);
    return entry === undefined || entry.absent ? undefined : entry.value;
  }

  l1Size(): { entries: number; bytes: number } {
    let entries = 0;
    let bytes = 0;
    for (const ns of this.#namespaces.values()) {
      entries += ns.l1?.size ?? 0;
      bytes += ns.l1?.bytes ?? 0;
    }
    return { entries, bytes };
  }

  async #fetch<T>(
    ns: Namespace,
    key: string,
    full: string,
    loader: () => Promise<T>,
    options: LoadOptions<T> | undefined,
  ): Promise<T | undefined> {
    if (this.l2 !== undefined) {
      // #readL2 inlined: this is the level-2 hit path, and one async frame less is ~5% of a loopback GET.
      let raw: string | undefined | null;
      if (!this.breaker.allow()) this.#l2Skip();
      else {
        try {
          if (this.#pendingDeletes.size > 0) await this.#flushPendingDeletes();
          raw = await this.l2.get(full);
          this.breaker.success();
          if (this.#versionsUnverified) this.#refreshVersions();
        } catch (error) {
          this.#l2Failed(error);
        }
      }
      const fromL2 = this.#decodeL2(raw);
      if (fromL2 !== undefined) return this.#serve(ns, key, fromL2, loader, options);
    }
    // Single flight from here, not around the level-2 read: a Map entry per read cost ~0.5 µs, a third of the
    // cache's own work on a level-2 hit, while concurrent reads of one key only cost Redis a few cheap GETs.
    return ns.flight.run(key, () => this.#afterMiss(ns, key, full, loader, options));
  }

  async #afterMiss<T>(
    ns: Namespace,
    key: string,
    full: string,
    loader: () => Promise<T>,
    options: LoadOptions<T> | undefined,
  ): Promise<T | undefined> {
    // A load of this key may have finished between our level-2 read and now (its flight is over): it filled
    // level 1, or level 2 when level 1 is off. Use that instead of loading again.
    const landed =
      ns.l1 !== undefined ? ns.l1.getSync(key) : this.l2 !== undefined ? await this.#readL2(full) : undefined;
    if (landed !== undefined) return this.#serve(ns, key, landed, loader, options);

    if (this.#bloom !== undefined && !(await this.#mightExist(ns, key))) {
      this.stats.bloomRejects++;
      instruments.bloomRejects.add(1);
      // Remember the rejection in level 1 so a hot non-existent id does not cost a Bloom round trip each time.
      const absentTtl = options?.absentTtlMs ?? this.defaults.absentTtlMs;
      if (absentTtl > 0) this.#fillL1(ns, key, { ...ABSENT, expiresAt: Date.now() + absentTtl });
      return undefined;
    }

    if (this.#lock !== undefined && options?.lock !== false) return this.#loadUnderLock(ns, key, full, loader, options);
    return this.#loadAndStore(ns, key, full, loader, options);
  }

  #serve<T>(
    ns: Namespace,
    key: string,
    entry: Entry,
    loader: () => Promise<T>,
    options: LoadOptions<T> | undefined,
  ): T | undefined {
    const now = coarseNow();
    if (entry.expiresAt > now) this.#fillL1(ns, key, entry);
    if (entry.freshUntil <= now) this.#refreshInBackground(ns, key, loader, options);
    if (entry.absent) {
      this.stats.absentHits++;
      instruments.absentHits.add(1);
      return undefined;
    }
    return entry.value as T;
  }

  async #mightExist(ns: Namespace, key: string): Promise<boolean> {
    const bloomKey = `${ns.name}:${key}`;
    if (!this.#bloomOnL2) return this.#bloom!.mightContain(bloomKey).catch(() => true);
    const known = await this.#l2Call(() => this.#bloom!.mightContain(bloomKey));
    return known === FAILED || known; // fail open: without the filter, the loader decides
  }

  async #loadUnderLock<T>(
    ns: Namespace,
    key: string,
    full: string,
    loader: () => Promise<T>,
    options: LoadOptions<T> | undefined,
  ): Promise<T | undefined> {
    const lockKey = `lock:${full}`;
    const deadline = Date.now() + (options?.lockWaitMs ?? this.#lockWaitMs);
    let delayMs = 5;
    for (;;) {
      const token = await this.#l2Call(() => this.#lock!.tryAcquire(lockKey));
      if (token === FAILED) return this.#loadAndStore(ns, key, full, loader, options);
      if (token !== undefined) {
        this.stats.lockAcquired++;
        try {
          // The value may have landed between our miss and the lock: the previous holder just released it.
          const filled = await this.#readL2(full);
          if (filled !== undefined) return this.#serve(ns, key, filled, loader, options);
          return await this.#loadAndStore(ns, key, full, loader, options);
        } finally {
          void this.#l2Call(() => this.#lock!.release(lockKey, token));
        }
      }
      this.stats.lockWaits++;
      instruments.lockWaits.add(1);
      const left = deadline - Date.now();
      if (left <= 0) {
        log.debug({ key: full }, 'lock wait bound reached: loading without the lock');
        return this.#loadAndStore(ns, key, full, loader, options);
      }
      await sleep(Math.min(delayMs, left));
      delayMs = Math.min(delayMs * 2, 50);
      const filled = await this.#readL2(full);
      if (filled !== undefined) return this.#serve(ns, key, filled, loader, options);
    }
  }

  async #loadAndStore<T>(
    ns: Namespace,
    key: string,
    full: string,
    loader: () => Promise<T>,
    options: LoadOptions<T> | undefined,
  ): Promise<T | undefined> {
    this.stats.loads++;
    instruments.loads.add(1);
    const started = performance.now();
    const value = await trace.startActiveSpan(
      'cache.load',
      { attributes: { 'cache.namespace': ns.name, 'cache.key': full } },
      async (span) => {
        try {
          return await loader();
        } catch (error) {
          // A loader error is the caller's: it propagates and nothing is cached.
          this.stats.loadErrors++;
          recordError(span, error);
          throw error;
        } finally {
          span.end();
          instruments.loadDuration.record(performance.now() - started);
        }
      },
    );
    if (value === undefined || value === null) {
      const absentTtl = options?.absentTtlMs ?? this.defaults.absentTtlMs;
      if (absentTtl > 0) await this.#store(ns, key, full, ABSENT, undefined, absentTtl, 0);
      return undefined;
    }
    if (options?.shouldCache !== undefined && !options.shouldCache(value)) return value;
    const ttlMs = jitterTtl(options?.ttlMs ?? this.defaults.ttlMs, options?.jitter ?? this.defaults.jitter);
    const staleMs = options?.staleMs ?? this.defaults.staleMs;
    await this.#store(ns, key, full, VALUE, value, ttlMs, staleMs);
    return value;
  }

  #refreshInBackground<T>(
    ns: Namespace,
    key: string,
    loader: () => Promise<T>,
    options: LoadOptions<T> | undefined,
  ): void {
    this.stats.staleServed++;
    instruments.staleServed.add(1);
    const full = ns.prefix! + key;
    if (this.#refreshes.has(full)) return;
    void this.#refreshes
      .run(full, async () => {
        if (this.#lock === undefined) return this.#loadAndStore(ns, key, full, loader, options);
        // Across processes one refresh is enough: whoever holds the lock refreshes, the rest keep serving stale.
        const lockKey = `lock:${full}`;
        const token = await this.#l2Call(() => this.#lock!.tryAcquire(lockKey));
        if (token === undefined) return undefined;
        try {
          return await this.#loadAndStore(ns, key, full, loader, options);
        } finally {
          if (token !== FAILED) void this.#l2Call(() => this.#lock!.release(lockKey, token));
        }
      })
      .catch((error: unknown) => log.warn({ key: full, err: (error as Error).message }, 'background refresh failed'));
  }

  // ---- writes ------------------------------------------------------------------------------------------

  async set(ns: Namespace, key: string, value: unknown, options?: LoadOptions<unknown>): Promise<void> {
    const full = (ns.prefix ?? (await this.resolveVersion(ns))) + key;
    if (value === undefined || value === null) {
      throw new StagesError('INVALID_ARGUMENT', 'cache.set needs a value; undefined and null mean "absent"');
    }
    const ttlMs = jitterTtl(options?.ttlMs ?? this.defaults.ttlMs, options?.jitter ?? this.defaults.jitter);
    const staleMs = options?.staleMs ?? this.defaults.staleMs;
    await this.#store(ns, key, full, VALUE, value, ttlMs, staleMs);
  }

  /** Drops the keys here and in level 2 (not on other instances: that is `invalidate`). */
  async delete(ns: Namespace, keys: readonly string[]): Promise<void> {
    const prefix = ns.prefix ?? (await this.resolveVersion(ns));
    for (const key of keys) ns.l1?.deleteSync(key);
    await this.#deleteL2(keys.map((key) => prefix + key));
  }

  /**
   * The write path after the database changed: delete level 2, drop level 1 here and, through pub/sub, on
   * every other instance; optionally delete once more after `delayedDeleteMs`, which removes a stale value a
   * concurrent reader loaded from the old database row and wrote back after our first delete.
   */
  async invalidate(ns: Namespace, keys: readonly string[], options?: { delayedDeleteMs?: number }): Promise<void> {
    const once = async () => {
      await this.delete(ns, keys);
      await this.#broadcast({ origin: this.instanceId, ns: ns.name, keys: [...keys], sentAt: Date.now() });
    };
    await once();
    const delay = options?.delayedDeleteMs ?? this.defaults.delayedDeleteMs;
    if (delay > 0 && !this.#closed) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        void once();
      }, delay);
      timer.unref();
      this.#timers.add(timer);
    }
  }

  /** Moves the namespace to its next version on every instance; all its old keys become unreachable. */
  async bumpVersion(ns: Namespace): Promise<number> {
    if (this.#redis === undefined) {
      ns.setBumps(ns.bumps + 1);
      return ns.version;
    }
    const bumps = await this.#l2Call(() => this.#redis!.client.incr(bumpKey(ns.name)));
    if (bumps === FAILED) {
      throw new StagesError('CACHE_UNAVAILABLE', `cannot bump namespace "${ns.name}": Redis does not answer`);
    }
    ns.setBumps(bumps);
    await this.#broadcast({ origin: this.instanceId, ns: ns.name, bumps, sentAt: Date.now() });
    return ns.version;
  }

  async addKnown(ns: Namespace, keys: readonly string[]): Promise<void> {
    if (this.#bloom === undefined) return;
    await this.#bloom.add(keys.map((key) => `${ns.name}:${key}`));
  }

  onInvalidation(listener: (event: InvalidationEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    await this.#bus?.close();
    await this.l2?.close?.();
    for (const ns of this.#namespaces.values()) ns.l1?.clear();
  }

  // ---- internals ---------------------------------------------------------------------------------------

  // The breaker logic of #l2Call inlined, to spare a closure and a promise per read.
  async #readL2(full: string): Promise<Entry | undefined> {
    let raw: string | undefined | null;
    if (!this.breaker.allow()) this.#l2Skip();
    else {
      try {
        if (this.#pendingDeletes.size > 0) await this.#flushPendingDeletes();
        raw = await this.l2!.get(full);
        this.breaker.success();
        if (this.#versionsUnverified) this.#refreshVersions();
      } catch (error) {
        this.#l2Failed(error);
      }
    }
    return this.#decodeL2(raw);
  }

  #decodeL2(raw: string | undefined | null): Entry | undefined {
    const entry = raw === undefined || raw === null ? undefined : decodeEntry(raw, this.#serializer);
    if (entry === undefined) {
      this.stats.l2Misses++;
      instruments.misses.add(1, L2);
    } else {
      this.stats.l2Hits++;
      instruments.hits.add(1, L2);
    }
    return entry;
  }

  #l2Skip(): void {
    this.stats.l2Skipped++;
    instruments.l2Skipped.add(1);
  }

  async #store(
    ns: Namespace,
    key: string,
    full: string,
    kind: Entry,
    value: unknown,
    ttlMs: number,
    staleMs: number,
  ): Promise<void> {
    const now = Date.now();
    const payload =
      kind.absent || (this.l2 === undefined && !this.#measureSize) ? '' : this.#serializer.serialize(value);
    const entry: Entry = {
      value,
      absent: kind.absent,
      expiresAt: now + ttlMs + staleMs,
      freshUntil: staleMs > 0 ? now + ttlMs : Number.POSITIVE_INFINITY,
      size: Math.max(1, payload.length),
    };
    this.#fillL1(ns, key, entry);
    if (this.l2 !== undefined)
      await this.#l2Call(() => this.l2!.set(full, encodeEntry(entry, payload), ttlMs + staleMs));
  }

  #fillL1(ns: Namespace, key: string, entry: Entry): void {
    if (ns.l1 === undefined) return;
    if (this.#l1TtlMs === Number.POSITIVE_INFINITY) {
      ns.l1.setSync(key, entry, 0);
      return;
    }
    // l1.ttlMs caps how long a copy lives here, in case an invalidation message is lost.
    const cap = Date.now() + this.#l1TtlMs;
    ns.l1.setSync(key, entry.expiresAt <= cap ? entry : { ...entry, expiresAt: cap }, 0);
  }

  #newL1(): LocalStore<Entry> | undefined {
    const l1 = this.#l1Options;
    if (l1 === false) return undefined;
    return new LocalStore<Entry>({
      ...(l1.maxEntries === undefined ? {} : { maxEntries: l1.maxEntries }),
      ...(l1.maxBytes === undefined ? {} : { maxBytes: l1.maxBytes }),
      sizeOf: (entry) => entry.size,
      expiresAt: (entry) => entry.expiresAt,
      onEvict: () => {
        this.stats.evictions++;
        instruments.evictions.add(1);
      },
    });
  }

  async #deleteL2(full: readonly string[]): Promise<void> {
    if (this.l2 === undefined) return;
    const l2 = this.l2;
    const done = await this.#l2Call(() =>
      l2.deleteMany ? l2.deleteMany(full) : Promise.all(full.map((key) => l2.delete(key))).then(() => undefined),
    );
    if (done === FAILED) {
      // Redis may still hold the old value when it returns: delete it then, before trusting level 2 again.
      for (const key of full) {
        if (this.#pendingDeletes.size >= MAX_PENDING_DELETES) break;
        this.#pendingDeletes.add(key);
      }
      log.warn({ keys: full.length, pending: this.#pendingDeletes.size }, 'level-2 delete deferred: Redis unavailable');
    }
  }

  async #broadcast(message: InvalidationMessage): Promise<void> {
    if (this.#bus === undefined) return;
    const sent = await this.#l2Call(() => this.#bus!.publish(message));
    if (sent === FAILED)
      log.warn('invalidation broadcast failed: other instances keep level 1 until its TTL or resync');
  }

  #onMessage(message: InvalidationMessage): void {
    if (message.origin === this.instanceId) return;
    this.stats.invalidationsReceived++;
    const delayMs = Math.max(0, Date.now() - message.sentAt);
    instruments.invalidationDelay.record(delayMs);
    for (const ns of this.#namespaces.values()) {
      if (ns.name !== message.ns) continue;
      if (message.bumps !== undefined) ns.setBumps(message.bumps);
      if (message.keys !== undefined) for (const key of message.keys) ns.l1?.deleteSync(key);
    }
    const event: InvalidationEvent = {
      namespace: message.ns,
      keys: message.keys ?? [],
      ...(message.bumps === undefined ? {} : { bumped: true }),
      delayMs,
      origin: message.origin,
    };
    for (const listener of this.#listeners) listener(event);
  }

  /**
   * Every level-2 command goes through here: skipped while the breaker is open, failures counted, never thrown.
   * Deletes deferred during an outage run first, so nothing reads a value that should have been deleted.
   */
  async #l2Call<R>(op: () => Promise<R>): Promise<R | Failed> {
    if (!this.breaker.allow()) {
      this.#l2Skip();
      return FAILED;
    }
    try {
      if (this.#pendingDeletes.size > 0) await this.#flushPendingDeletes();
      const result = await op();
      this.breaker.success();
      if (this.#versionsUnverified) this.#refreshVersions();
      return result;
    } catch (error) {
      this.#l2Failed(error);
      return FAILED;
    }
  }

  #refreshVersions(): void {
    this.#versionsUnverified = false;
    if (this.#redis === undefined) return;
    const client = this.#redis.client;
    let failed = false;
    const reads = [...this.#namespaces.values()].map((ns) =>
      client
        .get(bumpKey(ns.name))
        .then((raw) => ns.setBumps(Number(raw ?? 0)))
        .catch(() => {
          failed = true;
        }),
    );
    void Promise.all(reads).then(() => {
      this.#versionsUnverified = failed;
    });
  }

  #l2Failed(error: unknown): void {
    this.stats.l2Errors++;
    instruments.l2Errors.add(1);
    this.breaker.failure(error);
  }

  async #flushPendingDeletes(): Promise<void> {
    const keys = [...this.#pendingDeletes];
    const l2 = this.l2!;
    if (l2.deleteMany) await l2.deleteMany(keys);
    else await Promise.all(keys.map((key) => l2.delete(key)));
    for (const key of keys) this.#pendingDeletes.delete(key);
    log.info({ keys: keys.length }, 'deferred level-2 deletes applied');
  }

  #onBreaker(state: BreakerState, userHook: ((state: BreakerState) => void) | undefined): void {
    instruments.breakerTransitions.add(1, { state });
    if (state === 'closed') this.#refreshVersions(); // bumps may have happened while we could not hear them
    userHook?.(state);
  }
}

// Templates for #store, which fills in the clocks and size.
const ABSENT: Entry = { value: undefined, absent: true, expiresAt: 0, freshUntil: Number.POSITIVE_INFINITY, size: 1 };
const VALUE: Entry = { value: undefined, absent: false, expiresAt: 0, freshUntil: Number.POSITIVE_INFINITY, size: 1 };

function bumpKey(namespace: string): string {
  return `nsv:${namespace}`;
}

function validate(defaults: CacheCore['defaults']): void {
  const check = (field: string, value: number, ok: boolean) => {
    if (!ok) throw new StagesError('INVALID_ARGUMENT', `cache option "${field}" is invalid: ${value}`);
  };
  check('ttlMs', defaults.ttlMs, defaults.ttlMs > 0);
  check('jitter', defaults.jitter, defaults.jitter >= 0 && defaults.jitter <= 1);
  check('staleMs', defaults.staleMs, defaults.staleMs >= 0);
  check('absentTtlMs', defaults.absentTtlMs, defaults.absentTtlMs >= 0);
  check('delayedDeleteMs', defaults.delayedDeleteMs, defaults.delayedDeleteMs >= 0);
}

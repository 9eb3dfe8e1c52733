import { createLogger, StagesError } from '@stages/common';
import { InvalidationBus, type InvalidationMessage } from '../consistency/invalidation-bus.js';
import type { CacheStats } from '../metrics.js';
import { instruments } from '../metrics.js';
import type { CacheOptions, InvalidationEvent } from '../options.js';
import type { RedisStore } from '../stores/redis-store.js';
import { FAILED, type Level2 } from './level2.js';
import type { Namespace } from './namespace.js';
import type { NamespaceRegistry } from './namespace-registry.js';

const log = createLogger('cache');

export interface InvalidationParts {
  readonly instanceId: string;
  readonly stats: CacheStats;
  readonly level2: Level2;
  readonly namespaces: NamespaceRegistry;
  readonly delayedDeleteMs: number;
  /** Undefined when invalidations stay in this process. */
  readonly bus: InvalidationBus | undefined;
}

/**
 * The write side: deletes here and in level 2, and the pub/sub wiring that makes every other instance drop
 * its level-1 copy (or move a namespace to its new version).
 */
export class Invalidation {
  readonly #p: InvalidationParts;
  readonly #listeners = new Set<(event: InvalidationEvent) => void>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(parts: InvalidationParts) {
    this.#p = parts;
  }

  async start(): Promise<void> {
    await this.#p.bus?.start({
      onMessage: (message) => this.#onMessage(message),
      onResync: () => {
        // Invalidations sent while we were cut off are lost: every level-1 copy is suspect.
        log.warn('invalidation channel reconnected: clearing level 1');
        this.#p.namespaces.clearL1();
        this.#p.namespaces.refresh(); // a bump may have been among the lost messages
      },
    });
  }

  /** Drops the keys here and in level 2 (not on other instances: that is `invalidate`). */
  async delete(ns: Namespace, keys: readonly string[]): Promise<void> {
    const prefix = ns.prefix ?? (await this.#p.namespaces.resolve(ns));
    for (const key of keys) ns.l1?.deleteSync(key);
    await this.#p.level2.delete(keys.map((key) => prefix + key));
  }

  /**
   * The write path after the database changed: delete level 2, drop level 1 here and, through pub/sub, on
   * every other instance; optionally delete once more after `delayedDeleteMs`, which removes a stale value a
   * concurrent reader loaded from the old database row and wrote back after our first delete.
   */
  async invalidate(ns: Namespace, keys: readonly string[], options?: { delayedDeleteMs?: number }): Promise<void> {
    const once = async () => {
      await this.delete(ns, keys);
      await this.#broadcast(ns, { keys: [...keys] });
    };
    await once();
    const delay = options?.delayedDeleteMs ?? this.#p.delayedDeleteMs;
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
    const bumps = await this.#p.namespaces.bump(ns);
    if (bumps === FAILED) {
      throw new StagesError('CACHE_UNAVAILABLE', `cannot bump namespace "${ns.name}": Redis does not answer`);
    }
    if (bumps !== undefined) await this.#broadcast(ns, { bumps });
    return ns.version;
  }

  onInvalidation(listener: (event: InvalidationEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    await this.#p.bus?.close();
  }

  async #broadcast(ns: Namespace, change: Pick<InvalidationMessage, 'keys' | 'bumps'>): Promise<void> {
    const bus = this.#p.bus;
    if (bus === undefined) return;
    const message: InvalidationMessage = { origin: this.#p.instanceId, ns: ns.name, ...change, sentAt: Date.now() };
    const sent = await this.#p.level2.call(() => bus.publish(message));
    if (sent === FAILED)
      log.warn('invalidation broadcast failed: other instances keep level 1 until its TTL or resync');
  }

  #onMessage(message: InvalidationMessage): void {
    if (message.origin === this.#p.instanceId) return;
    this.#p.stats.invalidationsReceived++;
    const delayMs = Math.max(0, Date.now() - message.sentAt);
    instruments.invalidationDelay.record(delayMs);
    for (const ns of this.#p.namespaces.named(message.ns)) {
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
}

/** The `invalidation` and `channel` options as a bus, or undefined when invalidations stay in this process. */
export function createInvalidationBus(
  options: CacheOptions,
  redis: RedisStore | undefined,
): InvalidationBus | undefined {
  const wanted = options.invalidation ?? redis !== undefined;
  if (!wanted) return undefined;
  if (redis === undefined) {
    throw new StagesError('INVALID_ARGUMENT', 'cache option "invalidation" needs a RedisStore as l2');
  }
  return new InvalidationBus(redis.client, redis.subscriber(), options.channel ?? 'stages:cache:invalidate');
}

import { createLogger, type Logger, StagesError, withSpan } from '@stages/common';
import { assertProviderInstance, sortInstances } from '../instance.js';
import { Coalescer } from '../internal/coalescer.js';
import { ServiceFeed } from '../internal/feed.js';
import { instruments, registryTracer } from '../internal/telemetry.js';
import type { ProviderInstance, ProvidersListener, Registry } from '../registry.js';
import { InMemoryStore } from './memory-store.js';

export interface InMemoryRegistryOptions {
  /** Defaults to `InMemoryStore.shared`, so every in-memory registry in the process sees the same providers. */
  store?: InMemoryStore;
  /** Window in which changes are merged into one update. 0 still merges changes made in the same tick. */
  coalesceMs?: number;
  logger?: Logger;
}

interface Subscription {
  feed: ServiceFeed;
  coalescer: Coalescer;
  unwatch: () => void;
}

/** One process, no coordination service: tests and monolith mode. Never stale. */
export class InMemoryRegistry implements Registry {
  readonly name = 'memory';
  readonly #store: InMemoryStore;
  readonly #coalesceMs: number;
  readonly #logger: Logger;
  // Each registry owns what it registered, so close() can take exactly that down (a ZooKeeper session's job).
  readonly #owner = Symbol('memory-registry');
  readonly #mine = new Map<string, string>();
  readonly #subscriptions = new Map<string, Subscription>();
  #closed = false;

  constructor(options: InMemoryRegistryOptions = {}) {
    const coalesceMs = options.coalesceMs ?? 0;
    if (!Number.isFinite(coalesceMs) || coalesceMs < 0) {
      throw new StagesError('CONFIG_INVALID', 'memory registry: coalesceMs must be a number >= 0', {
        details: { field: 'coalesceMs' },
      });
    }
    this.#store = options.store ?? InMemoryStore.shared;
    this.#coalesceMs = coalesceMs;
    this.#logger = options.logger ?? createLogger('registry.memory');
  }

  async register(instance: ProviderInstance): Promise<void> {
    this.#assertOpen();
    await withSpan(registryTracer, 'registry.register', { 'stages.registry': this.name }, async (span) => {
      const valid = assertProviderInstance(instance);
      span.setAttribute('stages.service', valid.service);
      // An id moving to another service (unusual, but legal) must not leave a ghost behind.
      const previous = this.#mine.get(valid.id);
      if (previous !== undefined && previous !== valid.service) this.#store.remove(previous, valid.id);
      this.#store.put(valid, this.#owner);
      this.#mine.set(valid.id, valid.service);
      instruments().operations.add(1, { registry: this.name, op: 'register', result: 'ok' });
    });
  }

  async deregister(instanceId: string): Promise<void> {
    this.#assertOpen();
    const service = this.#mine.get(instanceId);
    if (service === undefined) return; // idempotent: deregistering twice, or something never registered
    this.#mine.delete(instanceId);
    this.#store.remove(service, instanceId);
    instruments().operations.add(1, { registry: this.name, op: 'deregister', result: 'ok' });
  }

  subscribe(service: string, listener: ProvidersListener): () => void {
    this.#assertOpen();
    let sub = this.#subscriptions.get(service);
    if (!sub) {
      const feed = new ServiceFeed(this.name, service, this.#logger);
      const coalescer = new Coalescer(
        this.#coalesceMs,
        () => void feed.publish({ providers: sortInstances(this.#store.list(service)), stale: false }),
        (error) => this.#logger.error({ err: error, service }, 'memory registry update failed'),
      );
      sub = { feed, coalescer, unwatch: this.#store.watch(service, () => coalescer.trigger()) };
      this.#subscriptions.set(service, sub);
      coalescer.trigger(); // the first list, delivered asynchronously
    }
    const unsubscribe = sub.feed.add(listener);
    const current = sub;
    return () => {
      unsubscribe();
      if (current.feed.size === 0 && this.#subscriptions.get(service) === current) {
        current.unwatch();
        current.coalescer.stop();
        this.#subscriptions.delete(service);
      }
    };
  }

  async lookup(service: string): Promise<readonly ProviderInstance[]> {
    this.#assertOpen();
    return sortInstances(this.#store.list(service));
  }

  async services(): Promise<readonly string[]> {
    this.#assertOpen();
    return this.#store.services();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const sub of this.#subscriptions.values()) {
      sub.unwatch();
      sub.coalescer.stop();
      sub.feed.clear();
    }
    this.#subscriptions.clear();
    for (const instance of this.#store.ownedBy(this.#owner)) this.#store.remove(instance.service, instance.id);
    this.#mine.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StagesError('FAILED_PRECONDITION', 'memory registry is closed');
  }
}

import type { Logger } from '@stages/common';
import { sortInstances } from '../instance.js';
import { Coalescer } from '../internal/coalescer.js';
import { ServiceFeed } from '../internal/feed.js';
import { instruments, type RegistryStats } from '../internal/telemetry.js';
import { longToNumber, type ZkEvent, zk, zkCode } from '../internal/zk-client.js';
import type { ProviderInstance, ProvidersListener } from '../registry.js';
import type { ZkLayout } from './paths.js';
import { readProviderNode } from './provider-node.js';
import type { ZkSession } from './session.js';

export interface WatchContext {
  readonly session: ZkSession;
  readonly layout: ZkLayout;
  readonly coalesceMs: number;
  readonly logger: Logger;
  readonly stats: RegistryStats;
  /** The list from the snapshot file, for a service never seen fresh in this process. */
  snapshotOf(service: string): readonly ProviderInstance[] | undefined;
  /** A fresh list was delivered: keep it for the snapshot. */
  onFresh(service: string, providers: readonly ProviderInstance[]): void;
}

interface CachedNode {
  version: number;
  instance: ProviderInstance | undefined;
}

const RETRY_MS = 500;

/**
 * Everything one process knows about one service's providers: a children watch on `providers/`, a data watch on
 * each provider node, a cache of parsed nodes (only new or changed nodes are read again), and the subscribers.
 * Watch events only mark work to do; the coalescer turns a burst of them into one read and one full-list update.
 */
export class ServiceWatch {
  readonly feed: ServiceFeed;
  readonly #cache = new Map<string, CachedNode>();
  readonly #dirty = new Set<string>();
  readonly #coalescer: Coalescer;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  /** Read fully once in this session; until then node mtimes say nothing about propagation delay. */
  #primed = false;

  constructor(
    readonly service: string,
    private readonly ctx: WatchContext,
  ) {
    this.feed = new ServiceFeed('zookeeper', service, ctx.logger, ctx.stats);
    this.#coalescer = new Coalescer(
      ctx.coalesceMs,
      () => this.#refresh(),
      (error) => this.#failed(error),
    );
  }

  add(listener: ProvidersListener): () => void {
    return this.feed.add(listener);
  }

  /** Re-read after the coalescing window (watch events), or at once (`now`: a first read, a reconnect). */
  refresh(now = false): void {
    this.#coalescer.trigger(now);
  }

  /** A new session has no watches and may see other nodes: forget everything read through the old one. */
  resetSession(): void {
    this.#cache.clear();
    this.#dirty.clear();
    this.#primed = false;
  }

  /** ZooKeeper is out of reach: deliver what we have, flagged stale (the snapshot if we never had a list). */
  publishStale(): void {
    if (this.#closed) return;
    const providers = this.feed.last?.providers ?? this.ctx.snapshotOf(this.service) ?? [];
    this.feed.publish({ providers, stale: true });
  }

  close(): void {
    this.#closed = true;
    this.#coalescer.stop();
    if (this.#retry) clearTimeout(this.#retry);
    this.feed.clear();
  }

  // Stable function identities: the client keeps one registration per (path, function), so re-watching on
  // every read never piles up duplicate listeners.
  readonly #onChildren = (): void => this.refresh();
  readonly #onData = (event: ZkEvent): void => {
    const name = event.getPath().split('/').pop();
    if (name !== undefined) this.#dirty.add(name);
    this.refresh();
  };

  async #refresh(): Promise<void> {
    if (this.#closed) return;
    const { session, layout } = this.ctx;
    if (!session.connected) {
      if (session.everConnected) this.publishStale();
      return; // the next `connected` triggers a refresh
    }
    const dir = layout.providers(this.service);
    let names: string[];
    try {
      names = await session.getChildren(dir, this.#onChildren);
    } catch (error) {
      if (zkCode(error) !== zk().Exception.NO_NODE) throw error;
      // No provider has ever registered: watch for the directory to appear. If it appeared between the two
      // calls, exists() sees it and we go round again.
      if (await session.exists(dir, this.#onChildren)) return this.refresh(true);
      names = [];
    }
    const present = new Set(names);
    for (const name of this.#cache.keys()) if (!present.has(name)) this.#cache.delete(name);
    for (const name of this.#dirty) if (!present.has(name)) this.#dirty.delete(name);
    const toRead = names.filter((name) => !this.#cache.has(name) || this.#dirty.has(name));
    for (const name of toRead) this.#dirty.delete(name);
    const changedAt: number[] = [];
    await Promise.all(
      toRead.map(async (name) => {
        try {
          const { data, stat } = await session.getData(`${dir}/${name}`, this.#onData);
          const previous = this.#cache.get(name);
          if (previous && previous.version === stat.version) return;
          const reading = readProviderNode(data, name, this.service);
          if (!reading.ok) {
            instruments().junk.add(1, { registry: 'zookeeper', source: 'znode' });
            this.ctx.stats.junkNodes += 1;
            this.ctx.logger.warn({ service: this.service, node: name, reason: reading.reason }, 'skipping junk node');
          }
          this.#cache.set(name, { version: stat.version, instance: reading.ok ? reading.instance : undefined });
          changedAt.push(longToNumber(stat.mtime));
        } catch (error) {
          // Deleted between list and read: the children watch has fired already and will drop it.
          if (zkCode(error) !== zk().Exception.NO_NODE) {
            this.#dirty.add(name);
            throw error;
          }
          this.#cache.delete(name);
        }
      }),
    );
    if (this.#closed || !session.connected) return;
    const providers = sortInstances([...this.#cache.values()].flatMap((n) => (n.instance ? [n.instance] : [])));
    const primed = this.#primed;
    this.#primed = true;
    if (this.feed.publish({ providers, stale: false })) {
      const now = Date.now();
      if (primed) for (const at of changedAt) if (at > 0) instruments().propagation.record(Math.max(0, now - at));
      this.ctx.onFresh(this.service, providers);
    }
  }

  #failed(error: unknown): void {
    if (this.#closed) return;
    this.ctx.logger.debug({ err: error, service: this.service }, 'provider read failed; will retry');
    if (!this.ctx.session.connected) {
      this.publishStale();
      return; // reconnection triggers the next read
    }
    this.#retry ??= setTimeout(() => {
      this.#retry = undefined;
      this.refresh();
    }, RETRY_MS);
  }
}

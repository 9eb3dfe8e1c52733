import { StagesError, withSpan } from '@stages/common';
import { assertProviderInstance } from '../instance.js';
import { Coalescer } from '../internal/coalescer.js';
import { emptyStats, instruments, type RegistryStats, registryTracer, trackStale } from '../internal/telemetry.js';
import { zk, zkCode } from '../internal/zk-client.js';
import type { ConsumerRecord, ProviderInstance, ProvidersListener, Registry } from '../registry.js';
import { type RegistryAcls, registryAcls } from './acl.js';
import { NodeWriter } from './node-writer.js';
import { type ResolvedZooKeeperOptions, resolveZooKeeperOptions, type ZooKeeperRegistryOptions } from './options.js';
import { decodeSegment, ZkLayout } from './paths.js';
import { readProviders } from './provider-node.js';
import { ServiceWatch, type WatchContext } from './service-watch.js';
import { ZkSession } from './session.js';
import { ProviderSnapshot } from './snapshot.js';

const RETRY_MS = 1_000;
const WRITE_CONCURRENCY = 64;

/**
 * Providers as ephemeral znodes, consumers as watches (see docs/registry.md for the layout and every failure).
 * The registry keeps what this process registered as desired state and makes ZooKeeper match it whenever a
 * session (re)connects, so session expiry and a restarted ensemble are invisible to the app: nodes come back and
 * subscriptions keep delivering. While ZooKeeper is out of reach, subscribers keep the last known lists, flagged
 * `stale: true`.
 */
export class ZooKeeperRegistry implements Registry {
  readonly name = 'zookeeper';
  readonly options: ResolvedZooKeeperOptions;
  readonly layout: ZkLayout;
  /** Plain counters for tests and health endpoints (the same facts go to OpenTelemetry metrics). */
  readonly stats: RegistryStats = emptyStats();
  readonly #session: ZkSession;
  readonly #acls: RegistryAcls;
  readonly #nodes: NodeWriter;
  readonly #snapshot: ProviderSnapshot | undefined;
  readonly #snapshotWriter: Coalescer;
  readonly #reconciler: Coalescer;
  readonly #providers = new Map<string, ProviderInstance>();
  readonly #consumerRecords = new Map<string, ConsumerRecord>();
  /** Nodes known written in the current session; a new session starts empty. */
  readonly #written = new Set<string>();
  readonly #pendingRemovals = new Set<string>();
  readonly #watches = new Map<string, ServiceWatch>();
  readonly #untrack: () => void;
  readonly #watchContext: WatchContext;
  #retryTimer: NodeJS.Timeout | undefined;
  #outage = false;
  #closed = false;

  constructor(options: ZooKeeperRegistryOptions) {
    this.options = resolveZooKeeperOptions(options);
    const { logger, namespace, hosts, chroot, snapshotDir } = this.options;
    this.layout = new ZkLayout(chroot, namespace);
    this.#acls = registryAcls(this.options.credentials);
    this.#snapshot =
      snapshotDir === false ? undefined : new ProviderSnapshot(snapshotDir, namespace, hosts + chroot, logger);
    this.#snapshotWriter = new Coalescer(
      200,
      () => this.#snapshot?.flush(),
      () => {},
    );
    this.#reconciler = new Coalescer(
      0,
      () => this.#reconcile(),
      (error) => this.#reconcileFailed(error),
    );
    this.#session = new ZkSession({
      hosts,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      operationTimeoutMs: this.options.operationTimeoutMs,
      credentials: this.options.credentials,
      logger,
    });
    this.#nodes = new NodeWriter(this.#session, this.layout, this.#acls);
    this.#watchContext = {
      session: this.#session,
      layout: this.layout,
      coalesceMs: this.options.coalesceMs,
      logger,
      stats: this.stats,
      snapshotOf: (service) => this.#snapshot?.get(service),
      onFresh: (service, providers) => {
        if (!this.#snapshot) return;
        this.#snapshot.set(service, providers);
        this.#snapshotWriter.trigger();
      },
    };
    this.#session.on('connected', (newSession) => {
      if (newSession) this.stats.sessions += 1;
      this.#onConnected(newSession);
    });
    this.#session.on('disconnected', () => this.#onDisconnected());
    this.#untrack = trackStale({ kind: this.name, namespace, isStale: () => this.stale });
    this.#session.start();
  }

  /** True while ZooKeeper is out of reach and lists come from memory or the snapshot. */
  get stale(): boolean {
    return !this.#session.connected;
  }

  /** The snapshot file in use, if any (for operators and tests). */
  get snapshotFile(): string | undefined {
    return this.#snapshot?.file;
  }

  /** Resolves true once connected to ZooKeeper, false if `timeoutMs` passes first. Never rejects. */
  ready(timeoutMs = this.options.connectTimeoutMs): Promise<boolean> {
    return this.#session.whenConnected(timeoutMs);
  }

  async register(instance: ProviderInstance): Promise<void> {
    this.#assertOpen();
    const valid = assertProviderInstance(instance);
    // The provider declares its own warm-up, so every consumer ramps it the same way.
    const stamped: ProviderInstance =
      valid.metadata.warmupMs === undefined
        ? { ...valid, metadata: { ...valid.metadata, warmupMs: String(this.options.warmupMs) } }
        : valid;
    await withSpan(
      registryTracer,
      'registry.register',
      { 'stages.registry': this.name, 'stages.service': stamped.service, 'stages.instance': stamped.id },
      async () => {
        const previous = this.#providers.get(stamped.id);
        if (previous && previous.service !== stamped.service) {
          const old = this.layout.provider(previous.service, previous.id);
          this.#written.delete(old);
          this.#pendingRemovals.add(old);
          this.#reconciler.trigger();
        }
        this.#providers.set(stamped.id, stamped);
        const path = this.layout.provider(stamped.service, stamped.id);
        this.#written.delete(path);
        try {
          await this.#nodes.writeEphemeral(path, stamped, this.#acls.owned);
          this.#written.add(path);
          instruments().operations.add(1, { registry: this.name, op: 'register', result: 'ok' });
        } catch (error) {
          if (zkCode(error) === zk().Exception.NO_AUTH) {
            this.#providers.delete(stamped.id);
            instruments().operations.add(1, { registry: this.name, op: 'register', result: 'denied' });
            throw new StagesError('PERMISSION_DENIED', `not allowed to register ${stamped.service} in ZooKeeper`, {
              details: { service: stamped.service, id: stamped.id },
            });
          }
          // Kept as desired state: it is written as soon as ZooKeeper answers again (failback, as Dubbo does).
          instruments().operations.add(1, { registry: this.name, op: 'register', result: 'deferred' });
          this.#retrySoon();
          throw unavailable(error, `could not register ${stamped.service} now; will register when ZooKeeper returns`, {
            service: stamped.service,
            id: stamped.id,
            deferred: true,
          });
        }
      },
    );
  }

  async deregister(instanceId: string): Promise<void> {
    this.#assertOpen();
    const instance = this.#providers.get(instanceId);
    if (!instance) return; // idempotent
    this.#providers.delete(instanceId);
    const path = this.layout.provider(instance.service, instance.id);
    this.#written.delete(path);
    await withSpan(
      registryTracer,
      'registry.deregister',
      { 'stages.registry': this.name, 'stages.service': instance.service, 'stages.instance': instanceId },
      async () => {
        try {
          await this.#nodes.remove(path);
          instruments().operations.add(1, { registry: this.name, op: 'deregister', result: 'ok' });
        } catch (error) {
          // The node dies with the session anyway; if the session survives the outage it is removed on reconnect.
          this.#pendingRemovals.add(path);
          instruments().operations.add(1, { registry: this.name, op: 'deregister', result: 'deferred' });
          this.options.logger.warn({ err: error, id: instanceId }, 'deregistration deferred until ZooKeeper returns');
        }
      },
    );
  }

  subscribe(service: string, listener: ProvidersListener): () => void {
    this.#assertOpen();
    if (typeof service !== 'string' || service === '') {
      throw new StagesError('INVALID_ARGUMENT', 'subscribe: service must be a non-empty string');
    }
    let watch = this.#watches.get(service);
    if (!watch) {
      const created = new ServiceWatch(service, this.#watchContext);
      watch = created;
      this.#watches.set(service, created);
      if (this.#session.connected) created.refresh(true);
      else if (this.#session.everConnected) created.publishStale();
      else {
        // Starting up: give the first connection a moment before falling back to the snapshot.
        setTimeout(() => {
          if (this.#session.connected || this.#watches.get(service) !== created) return;
          this.#warnOutage('ZooKeeper unreachable since start: serving providers from the snapshot (stale)');
          created.publishStale();
        }, this.options.connectTimeoutMs).unref();
      }
    }
    const off = watch.add(listener);
    const current = watch;
    return () => {
      off();
      if (current.feed.size === 0 && this.#watches.get(service) === current) {
        current.close();
        this.#watches.delete(service);
      }
    };
  }

  async lookup(service: string): Promise<readonly ProviderInstance[]> {
    this.#assertOpen();
    const last = this.#watches.get(service)?.feed.last;
    if (last && !last.stale && this.#session.connected) return last.providers;
    if (this.#session.connected || (!this.#session.everConnected && (await this.ready()))) {
      try {
        return await readProviders(this.#session, this.#nodes, this.layout.providers(service), service, () => {
          instruments().junk.add(1, { registry: this.name, source: 'znode' });
          this.stats.junkNodes += 1;
        });
      } catch (error) {
        if (this.#session.connected) throw unavailable(error, `could not read providers of ${service}`, { service });
      }
    }
    const known = this.#watches.get(service)?.feed.last?.providers ?? this.#snapshot?.get(service);
    this.#warnOutage('ZooKeeper unreachable: answering lookups from the last known lists (stale)');
    if (known) return known;
    throw new StagesError('REGISTRY_UNAVAILABLE', `ZooKeeper unreachable and no known providers of ${service}`, {
      details: { service },
    });
  }

  async services(): Promise<readonly string[]> {
    this.#assertOpen();
    if (this.#session.connected || (!this.#session.everConnected && (await this.ready()))) {
      try {
        const names = await this.#nodes.children(this.layout.services);
        return names.flatMap((n) => decodeSegment(n) ?? []).sort();
      } catch (error) {
        if (this.#session.connected) throw unavailable(error, 'could not list services', {});
      }
    }
    const known = new Set([...(this.#snapshot?.services() ?? []), ...this.#watches.keys()]);
    if (known.size > 0) return [...known].sort();
    throw new StagesError('REGISTRY_UNAVAILABLE', 'ZooKeeper unreachable and no services known');
  }

  async registerConsumer(record: ConsumerRecord): Promise<void> {
    this.#assertOpen();
    if (typeof record?.id !== 'string' || record.id === '' || typeof record.service !== 'string' || !record.service) {
      throw new StagesError('INVALID_ARGUMENT', 'registerConsumer: id and service must be non-empty strings');
    }
    const path = this.layout.consumer(record.service, record.id);
    this.#consumerRecords.set(path, record);
    try {
      await this.#nodes.writeEphemeral(path, record, this.#acls.owned);
      this.#written.add(path);
      instruments().operations.add(1, { registry: this.name, op: 'registerConsumer', result: 'ok' });
    } catch (error) {
      // Consumer records are informational: never fail an app over one.
      if (zkCode(error) === zk().Exception.NO_AUTH) this.#consumerRecords.delete(path);
      else this.#retrySoon();
      instruments().operations.add(1, { registry: this.name, op: 'registerConsumer', result: 'deferred' });
      this.options.logger.debug({ err: error, service: record.service }, 'consumer record not written');
    }
  }

  async consumers(service: string): Promise<readonly ConsumerRecord[]> {
    this.#assertOpen();
    const dir = this.layout.consumers(service);
    const names = await this.#nodes.children(dir).catch((error) => {
      throw unavailable(error, `could not list consumers of ${service}`, { service });
    });
    const records = await Promise.all(
      names.map(async (name) => {
        try {
          const { data } = await this.#session.getData(`${dir}/${name}`);
          const value = JSON.parse(data?.toString('utf8') ?? '') as ConsumerRecord;
          return typeof value?.id === 'string' && typeof value.service === 'string' ? [value] : [];
        } catch {
          return [];
        }
      }),
    );
    return records.flat();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const watch of this.#watches.values()) watch.close();
    this.#watches.clear();
    this.#reconciler.stop();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    // Explicit deletes first, so consumers drop this process now rather than after the session timeout;
    // closing the session then takes away anything left.
    if (this.#session.connected) {
      await Promise.all(
        [...this.#providers.values()].map((p) =>
          this.#nodes.remove(this.layout.provider(p.service, p.id)).catch(() => {}),
        ),
      );
    }
    this.#providers.clear();
    this.#consumerRecords.clear();
    this.#snapshotWriter.stop();
    await this.#snapshot?.flush();
    await this.#session.close();
    this.#untrack();
  }

  #onConnected(newSession: boolean): void {
    if (this.#closed) return;
    if (this.#outage) this.options.logger.info('ZooKeeper reachable again; provider lists are fresh');
    this.#outage = false;
    if (newSession) {
      this.#written.clear();
      this.#nodes.forgetDirectories();
      for (const watch of this.#watches.values()) watch.resetSession();
    }
    this.#reconciler.trigger();
    for (const watch of this.#watches.values()) watch.refresh(true);
  }

  #onDisconnected(): void {
    if (this.#closed) return;
    this.#warnOutage('ZooKeeper unreachable: serving last known provider lists (stale) until it returns');
    for (const watch of this.#watches.values()) watch.publishStale();
  }

  /** One warning per outage, not one per service or per retry. */
  #warnOutage(message: string): void {
    if (this.#outage) return;
    this.#outage = true;
    this.options.logger.warn({ services: this.#watches.size, snapshot: this.#snapshot?.file }, message);
  }

  /** Makes ZooKeeper hold what this process means to have registered. */
  async #reconcile(): Promise<void> {
    if (this.#closed || !this.#session.connected) return;
    for (const path of [...this.#pendingRemovals]) {
      await this.#nodes.remove(path);
      this.#pendingRemovals.delete(path);
    }
    const work: Array<() => Promise<void>> = [];
    for (const instance of this.#providers.values()) {
      const path = this.layout.provider(instance.service, instance.id);
      if (this.#written.has(path)) continue;
      work.push(async () => {
        await this.#nodes.writeEphemeral(path, instance, this.#acls.owned);
        if (this.#providers.get(instance.id) === instance) this.#written.add(path);
      });
    }
    for (const [path, record] of this.#consumerRecords) {
      if (this.#written.has(path)) continue;
      work.push(async () => {
        await this.#nodes.writeEphemeral(path, record, this.#acls.owned);
        if (this.#consumerRecords.get(path) === record) this.#written.add(path);
      });
    }
    for (let i = 0; i < work.length; i += WRITE_CONCURRENCY) {
      await Promise.all(work.slice(i, i + WRITE_CONCURRENCY).map((write) => write()));
    }
    if (work.length > 0) this.options.logger.info({ nodes: work.length }, 'registrations restored in ZooKeeper');
  }

  #reconcileFailed(error: unknown): void {
    this.options.logger.debug({ err: error }, 'restoring registrations failed; will retry');
    this.#retrySoon();
  }

  #retrySoon(): void {
    if (this.#closed || this.#retryTimer) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#session.connected) this.#reconciler.trigger();
    }, RETRY_MS);
    this.#retryTimer.unref();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StagesError('FAILED_PRECONDITION', 'zookeeper registry is closed');
  }
}

function unavailable(error: unknown, message: string, details: Record<string, unknown>): StagesError {
  if (StagesError.is(error) && error.code !== 'REGISTRY_UNAVAILABLE') return error;
  return new StagesError('REGISTRY_UNAVAILABLE', message, { cause: error, details });
}

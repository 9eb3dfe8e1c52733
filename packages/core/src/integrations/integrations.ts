import { TwoLevelCache } from '@stages/cache';
import { createLogger } from '@stages/common';
import type { AppConfig } from '../config/app-config.js';
import type { StagesConfig } from '../config/schema.js';
import type { AppContainer } from '../di/app-container.js';
import type { ServiceDefinition } from '../scanner/scan-service.js';
import { AppCache, hasCacheMethods } from './cache.js';
import { checkInjectedDataSources, DataSources, dataSourceToken, requestedDataSources } from './datasources.js';
import { Events } from './events.js';
import { AppGateway, type GatewayDeps } from './gateway.js';
import { AppRoutes, type RouteDeps } from './routes.js';

const log = createLogger('core.integrations');

type InstanceFor = (def: ServiceDefinition) => { instance: object; release?: () => unknown };

/**
 * Cache, datasources and event bus built from config, as Spring Boot's auto-configuration does: present in
 * every app, each with a monolith default (level-1 cache, a lazily opened SQLite file, an in-process bus),
 * injectable by class (`TwoLevelCache`, `DataSources`, `Events`) or `@InjectDataSource(name)`.
 */
export class Integrations {
  readonly #cached = new Set<Function>();
  #routes: AppRoutes | undefined;
  #gateway: AppGateway | undefined;

  private constructor(
    readonly cache: AppCache,
    readonly dataSources: DataSources,
    readonly events: Events,
  ) {}

  static async open(config: StagesConfig, container: AppContainer): Promise<Integrations> {
    const cache = await AppCache.open(config.cache, config.app.name);
    let dataSources: DataSources;
    try {
      dataSources = await DataSources.open(config.datasources, config.app.name);
    } catch (error) {
      await cache.close().catch(() => {});
      throw error;
    }
    const integrations = new Integrations(cache, dataSources, new Events(config.events, config.app.name));
    cache.activate();
    const root = container.root;
    // A registration the author made before start() (a test double) wins over the configured one.
    const provide = (token: unknown, value: unknown) => {
      if (!root.isRegistered(token as never)) root.register(token as never, { useValue: value });
    };
    provide(TwoLevelCache, cache.root);
    provide(DataSources, dataSources);
    provide(Events, integrations.events);
    for (const name of requestedDataSources()) {
      // A factory, not a value: an unknown name fails when a class asks for it, with the configured names.
      root.register(dataSourceToken(name), { useFactory: () => dataSources.get(name) });
    }
    return integrations;
  }

  /**
   * Checks the datasources the services ask for exist, and reads what @stages/cache recorded on the services,
   * so their instances get this app's cache.
   */
  scan(definitions: readonly ServiceDefinition[]): void {
    checkInjectedDataSources(
      definitions.map((d) => d.cls),
      this.dataSources,
    );
    for (const def of definitions) if (hasCacheMethods(def.cls)) this.#cached.add(def.cls);
    if (this.#cached.size > 0) log.debug({ services: this.#cached.size }, 'services with cached methods');
  }

  /** Wraps the container's instance factory: instances with cached methods are stamped with this app's cache. */
  instances(instanceFor: InstanceFor): InstanceFor {
    return (def) => {
      const result = instanceFor(def);
      if (this.#cached.has(def.cls)) this.cache.stamp(result.instance);
      return result;
    };
  }

  subscribe(definitions: readonly ServiceDefinition[], instanceFor: InstanceFor): Promise<number> {
    return this.events.subscribeServices(definitions, instanceFor);
  }

  /**
   * The route engine, when config has an `esb` section: started after the handlers are subscribed (routes call
   * services and publish events, as handlers do), following `esb.routes` live.
   */
  async startRoutes(config: StagesConfig, appConfig: AppConfig, deps: Omit<RouteDeps, 'bus'>): Promise<void> {
    if (config.esb === undefined) return;
    this.#routes = await AppRoutes.start(config.esb, appConfig, { ...deps, bus: this.events });
  }

  /**
   * The HTTP gateway, when config has a `gateway` section or code gave `gatewayRoutes`. Last of the inbound
   * fronts: once it listens, callers reach services that are registered and routes that are running.
   */
  async startGateway(config: StagesConfig, deps: Omit<GatewayDeps, 'cache'>): Promise<void> {
    if (config.gateway === undefined && !deps.routes?.length) return;
    this.#gateway = await AppGateway.start(config.gateway, { ...deps, cache: this.cache.root });
  }

  get gateway(): AppGateway | undefined {
    return this.#gateway;
  }

  /** The app's route engine, or undefined without `esb` in config. */
  get routes(): AppRoutes | undefined {
    return this.#routes;
  }

  /**
   * Inbound sources stop first, together: the gateway, the route engine (HTTP listener, topic routes, config
   * watch) and the `@Subscribe` handlers. Each finishes what is in flight; the services they call still serve.
   */
  async unsubscribe(timeoutMs?: number): Promise<void> {
    const closed = await Promise.allSettled([
      this.#gateway?.close(timeoutMs),
      this.#routes?.close(timeoutMs),
      this.events.unsubscribeAll(),
    ]);
    const failed = closed.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Bus, then cache, then pools (handlers and hooks may still have used them); each closed even if one fails. */
  async close(): Promise<void> {
    const failures: unknown[] = [];
    for (const closeable of [this.events, this.cache, this.dataSources]) {
      await closeable.close().catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw failures[0];
  }
}

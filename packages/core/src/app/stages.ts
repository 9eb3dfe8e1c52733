import type { TwoLevelCache } from '@stages/cache';
import { createLogger, type ServiceDescriptor, StagesError, tracer, withSpan } from '@stages/common';
import type { ServiceCaller } from '@stages/esb';
import { defineApi } from '../api-token.js';
import { AppConfig } from '../config/app-config.js';
import type { StagesConfig } from '../config/schema.js';
import { activeFeatures, setActiveFeatures } from '../decorators/feature.js';
import type { ReferenceMetadata } from '../decorators/metadata.js';
import { AppContainer } from '../di/app-container.js';
import { Features } from '../features/features.js';
import { AdminServer } from '../health/admin-server.js';
import { Health } from '../health/health.js';
import type { DataSources } from '../integrations/datasources.js';
import type { Events } from '../integrations/events.js';
import type { AppGateway } from '../integrations/gateway.js';
import { Integrations } from '../integrations/integrations.js';
import { type AppRoutes, hoistRouteFunctions } from '../integrations/routes.js';
import { createReferenceClient, referenceSpec } from '../references/create-client.js';
import { createProxy } from '../references/proxy.js';
import type { ReferenceClient } from '../references/reference-client.js';
import { type ServiceDefinition, scanService, toDescriptor } from '../scanner/scan-service.js';
import { Telemetry } from '../telemetry/telemetry.js';
import type { StagesOptions, StopHook } from './options.js';
import { onShutdownSignals } from './signals.js';
import { providerInstance, type Wiring, wire } from './wiring.js';

const log = createLogger('core.app');
const appTracer = tracer('core');

/** Lifecycle steps, in order, reported to `onLifecycle` listeners (tests and operators use them). */
export type LifecycleEvent =
  | 'starting'
  | 'exposed'
  | 'registered'
  | 'ready'
  | 'draining'
  | 'deregistered'
  | 'drained'
  | 'clients-closed'
  | 'hooks-done'
  | 'stopped';

/**
 * One application: the services this process serves, the references they use, and everything around them.
 * `start()` and `stop()` run the steps in a fixed order; see docs/lifecycle.md.
 */
export class Stages {
  readonly health = new Health();
  readonly features = new Features();
  readonly container = new AppContainer();
  #config: AppConfig | undefined;
  #wiring: Wiring | undefined;
  #integrations: Integrations | undefined;
  #telemetry: Telemetry | undefined;
  #admin: AdminServer | undefined;
  #adminAddress: { host: string; port: number } | undefined;
  #address: { host: string; port: number } | undefined;
  readonly #definitions: ServiceDefinition[] = [];
  readonly #descriptors: ServiceDescriptor[] = [];
  readonly #registered: string[] = [];
  readonly #clients: ReferenceClient[] = [];
  readonly #stopHooks: StopHook[] = [];
  readonly #lifecycleListeners = new Set<(event: LifecycleEvent) => void>();
  #removeSignals: (() => void) | undefined;
  /** The start steps alone; stop() waits for them (not for start()'s cleanup, which itself calls stop()). */
  #startSteps: Promise<this> | undefined;
  #starting: Promise<this> | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(private readonly options: StagesOptions) {}

  static create(options: StagesOptions): Stages {
    if (!options || !Array.isArray(options.services)) {
      throw new StagesError('CONFIG_INVALID', 'Stages.create: options.services must be an array of @Service classes');
    }
    return new Stages(options);
  }

  /** Validated config in force now (it changes when the YAML file or the config store changes). */
  get config(): StagesConfig {
    if (!this.#config) throw new StagesError('FAILED_PRECONDITION', 'app not started');
    return this.#config.current();
  }

  get mode(): 'monolith' | 'distributed' {
    return this.#wiring?.mode ?? 'monolith';
  }

  /** Where local services are served (in-process address in monolith mode). */
  get address(): { host: string; port: number } | undefined {
    return this.#address;
  }

  /** The admin port: /health/live, /health/ready, /metrics. */
  get adminAddress(): { host: string; port: number } | undefined {
    return this.#adminAddress;
  }

  /** Exports finished spans now, when telemetry is on. */
  async flushTelemetry(): Promise<void> {
    await this.#telemetry?.flush();
  }

  /** Calls being served right now (what a drain waits for). */
  inFlight(): number {
    return this.#wiring?.server.inFlight() ?? 0;
  }

  /** The app's two-level cache (`cache` in config; level 1 only without Redis). Also injectable by its class. */
  get cache(): TwoLevelCache {
    return this.#started().cache.root;
  }

  /** The app's named datasources (`datasources` in config). Also injectable, or one by `@InjectDataSource`. */
  get dataSources(): DataSources {
    return this.#started().dataSources;
  }

  /** The app's event bus (`events` in config). Also injectable as `Events`. */
  get events(): Events {
    return this.#started().events;
  }

  /** The app's HTTP gateway and its address (`gateway` in config), or undefined without one. */
  get gateway(): AppGateway | undefined {
    return this.#started().gateway;
  }

  /** The app's ESB route engine and its HTTP address (`esb` in config), or undefined without one. */
  get routes(): AppRoutes | undefined {
    return this.#started().routes;
  }

  #started(): Integrations {
    if (!this.#integrations) throw new StagesError('FAILED_PRECONDITION', 'app not started');
    return this.#integrations;
  }

  get descriptors(): readonly ServiceDescriptor[] {
    return this.#descriptors;
  }

  /** Registers something to close when the app stops, after calls have drained. Runs last-registered first. */
  onStop(hook: StopHook): this {
    this.#stopHooks.push(hook);
    return this;
  }

  onLifecycle(listener: (event: LifecycleEvent) => void): () => void {
    this.#lifecycleListeners.add(listener);
    return () => this.#lifecycleListeners.delete(listener);
  }

  /** A typed client for any service, for code outside the container (scripts, tests, gateways). */
  client<T>(target: ReferenceMetadata['target'], options: ReferenceMetadata['options'] = {}) {
    const client = this.#newClient({ index: -1, token: Symbol('client'), target, options });
    return createProxy<T>(client);
  }

  start(): Promise<this> {
    if (!this.#starting) {
      this.#startSteps = withSpan(appTracer, 'stages.start', {}, () => this.#start());
      this.#starting = this.#startSteps.catch(async (error: unknown) => {
        log.error({ err: error }, 'start failed; releasing what was acquired');
        await this.stop().catch(() => {});
        throw error;
      });
    }
    return this.#starting;
  }

  async #start(): Promise<this> {
    this.#emit('starting');
    this.health.setPhase('starting');
    // Inline functions in builder routes become named ones: config layers hold plain data only.
    const hoisted = hoistRouteFunctions(this.options.config);
    const appConfig = await AppConfig.load(hoisted.config);
    this.#config = appConfig;
    const config = appConfig.current();
    this.features.set(config.features);
    setActiveFeatures(this.features);
    appConfig.onChange((next) => this.#applyConfig(next));

    if (config.telemetry.enabled) {
      this.#telemetry = await Telemetry.start({
        serviceName: config.telemetry.serviceName ?? config.app.name,
        ...(config.telemetry.otlpUrl === undefined ? {} : { otlpUrl: config.telemetry.otlpUrl }),
        ...(this.options.telemetry?.spanProcessors ? { spanProcessors: this.options.telemetry.spanProcessors } : {}),
        ...(config.app.zone === undefined ? {} : { attributes: { 'cloud.availability_zone': config.app.zone } }),
      });
    }
    if (config.admin.enabled) {
      this.#admin = new AdminServer(this.health);
      if (this.#telemetry && config.telemetry.prometheus) this.#admin.setMetricsHandler(this.#telemetry.metricsHandler);
      this.#adminAddress = await this.#admin.listen(config.admin.host, config.admin.port);
    }

    for (const cls of this.options.services) this.#definitions.push(scanService(cls));
    const names = new Set<string>();
    for (const def of this.#definitions) {
      if (names.has(def.name)) throw new StagesError('CONFIG_INVALID', `service "${def.name}" is listed twice`);
      names.add(def.name);
    }

    const wiring = wire(config, this.options);
    this.#wiring = wiring;
    this.container.root.register(Stages as never, { useValue: this });
    this.container.root.register(Features, { useValue: this.features });
    const integrations = await Integrations.open(config, this.container);
    this.#integrations = integrations;
    integrations.scan(this.#definitions);
    const instanceFor = integrations.instances((def) => this.container.instanceFor(def));
    this.container.prepare(this.#definitions, (ref) => createProxy(this.#newClient(ref)));
    this.container.warm(this.#definitions);

    for (const def of this.#definitions) {
      // A service with only @Subscribe handlers (a worker) has nothing to serve: not exposed, not registered.
      if (def.methods.length === 0) continue;
      const descriptor = toDescriptor(def, () => instanceFor(def), config.services[def.name]);
      wiring.server.expose(descriptor);
      this.#descriptors.push(descriptor);
    }
    this.#address = await wiring.server.start();
    this.#followReadiness(wiring);
    this.#emit('exposed');

    const startTime = Date.now();
    const server = wiring.server as { protocolFor?: (d: ServiceDescriptor) => string };
    for (const descriptor of this.#descriptors) {
      const protocol = server.protocolFor?.(descriptor) ?? wiring.server.protocol;
      const instance = providerInstance(descriptor, protocol, this.#address, config, startTime);
      try {
        await wiring.registry.register(instance);
      } catch (error) {
        // A registry that keeps the registration as desired state and writes it when the store returns (the
        // ZooKeeper registry, Dubbo-style failback) must not stop the app starting: the instance serves
        // consumers that know it (snapshot, static lists) and appears in the registry once it is back.
        if (!(StagesError.is(error) && error.details?.deferred === true)) throw error;
        log.warn({ service: descriptor.name, id: instance.id }, 'registry unreachable: registration deferred');
      }
      this.#registered.push(instance.id);
    }
    this.#emit('registered');
    // After registration, as Spring starts listeners once the context is refreshed: handlers may call references.
    const subscribed = await integrations.subscribe(this.#definitions, instanceFor);
    // Routes and the gateway call services through the app's own clients, as a @Reference would: local or remote.
    const clientFor = (service: string, methods?: Record<string, { idempotent?: boolean; timeoutMs?: number }>) =>
      asCaller(
        this.#newClient({
          index: -1,
          token: Symbol(service),
          target: defineApi(service, methods ? { methods } : {}),
          options: {},
        }),
      );
    await integrations.startRoutes(config, appConfig, {
      clientFor,
      functions: { ...hoisted.functions, ...this.options.routeFunctions },
    });
    await integrations.startGateway(config, {
      clientFor,
      ...(this.options.gatewayRoutes ? { routes: this.options.gatewayRoutes } : {}),
    });

    if (this.options.handleSignals !== false) this.#removeSignals = onShutdownSignals(() => this.stop());
    this.health.setPhase('ready');
    this.#emit('ready');
    log.info(
      {
        mode: wiring.mode,
        services: [...names],
        address: this.#address,
        admin: this.#adminAddress ?? null,
        subscriptions: subscribed,
      },
      'stages app started',
    );
    return this;
  }

  /**
   * Graceful stop, in this order: readiness false; deregister (consumers stop picking this instance);
   * stop taking new calls and wait for in-flight ones up to drainTimeoutMs; close reference clients; run
   * onStop hooks (pools, consumers); close the registry, telemetry and admin port. Safe to call twice.
   */
  stop(): Promise<void> {
    this.#stopping ??= withSpan(appTracer, 'stages.stop', {}, () => this.#stop());
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    await this.#startSteps?.catch(() => {});
    const drainTimeoutMs = this.#config?.current().drainTimeoutMs ?? 10_000;
    this.#removeSignals?.();
    this.health.setPhase('draining');
    this.#emit('draining');
    const wiring = this.#wiring;
    const failures: unknown[] = [];
    const step = async (name: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (error) {
        // Keep going: a failed step must not leave the rest (pools, ports) open.
        failures.push(error);
        log.error({ err: error, step: name }, 'stop step failed');
      }
    };
    // Event handlers and routes stop first: a message or request taken now would be handled while the app
    // closes around it.
    await step('unsubscribe', () => this.#integrations?.unsubscribe(drainTimeoutMs));
    if (wiring) {
      // Deregister first: a consumer still picking this instance after the server stops would see UNAVAILABLE.
      for (const id of this.#registered.splice(0)) await step('deregister', () => wiring.registry.deregister(id));
      this.#emit('deregistered');
      const graceMs = this.#config?.current().deregisterGraceMs ?? (wiring.mode === 'monolith' ? 0 : 1_000);
      if (graceMs > 0) await new Promise((resolve) => setTimeout(resolve, graceMs));
      const inFlight = wiring.server.inFlight();
      await step('drain', () => wiring.server.stop({ drainTimeoutMs }));
      log.info({ inFlightAtDrain: inFlight, left: wiring.server.inFlight() }, 'server drained');
      this.#emit('drained');
      for (const client of this.#clients.splice(0)) await step('client', () => client.close());
      for (const transport of new Set(wiring.clientTransports.values())) {
        if (transport !== (wiring.server as unknown)) await step('client transport', () => transport.close());
      }
      this.#emit('clients-closed');
    }
    for (const hook of this.#stopHooks.splice(0).reverse()) await step('onStop', hook);
    // After the hooks, which may still flush through them (an outbox relay, a final write).
    await step('integrations', () => this.#integrations?.close());
    this.#emit('hooks-done');
    if (wiring?.ownsRegistry) await step('registry', () => wiring.registry.close());
    await step('container', () => this.container.dispose());
    await step('config', () => this.#config?.close());
    if (this.#telemetry) await step('telemetry', () => this.#telemetry?.shutdown());
    // Only if still ours: another app in the process may have started since.
    if (activeFeatures() === this.features) setActiveFeatures(undefined);
    this.health.setPhase('stopped');
    await step('admin', () => this.#admin?.close());
    this.#emit('stopped');
    log.info({ failures: failures.length }, 'stages app stopped');
  }

  #newClient(ref: ReferenceMetadata): ReferenceClient {
    const wiring = this.#wiring;
    if (!wiring)
      throw new StagesError('FAILED_PRECONDITION', 'references resolve only while the app is starting or running');
    const spec = referenceSpec(ref, this.config);
    const client = this.options.clientFactory?.(spec) ?? createReferenceClient(spec, wiring, this.config);
    this.#clients.push(client);
    return client;
  }

  /** The gRPC health service (when the server has one) says what /health/ready says. */
  #followReadiness(wiring: Wiring): void {
    const server = wiring.server as { setServing?: (service: string, serving: boolean) => void };
    if (typeof server.setServing !== 'function') return;
    const set = (ready: boolean) => {
      server.setServing?.('', ready);
      for (const d of this.#descriptors) server.setServing?.(d.name, ready);
    };
    // The transport reports SERVING as soon as it binds; the app is not ready until it is registered.
    set(false);
    this.health.onReadinessChange(set);
  }

  #applyConfig(next: StagesConfig): void {
    try {
      this.features.set(next.features);
    } catch (error) {
      log.warn({ err: error }, 'feature flags not applied');
    }
  }

  #emit(event: LifecycleEvent): void {
    log.debug({ event }, 'lifecycle');
    for (const listener of this.#lifecycleListeners) listener(event);
  }
}

/**
 * A reference client as the esb's ServiceCaller: call options pass on (a ServiceClient takes them; a custom
 * client may ignore them), and `providers` too, which the gateway's readiness reports.
 */
function asCaller(client: ReferenceClient): ServiceCaller {
  const call = client.call as (method: string, payload: unknown, options?: unknown) => Promise<unknown>;
  return {
    call: ((method: string, payload: unknown, options?: unknown) =>
      call.call(client, method, payload, options)) as never,
    get providers() {
      return (client as { providers?: readonly unknown[] }).providers;
    },
  };
}

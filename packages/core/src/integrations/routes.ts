import { isDeepStrictEqual } from 'node:util';
import { createLogger, type Logger, meter } from '@stages/common';
import type { EventBus, RouteEngine, RouteFunction, RouteSource, ServiceCaller } from '@stages/esb';
import type { AppConfig } from '../config/app-config.js';
import type { EsbConfig } from '../config/schema.js';

const log = createLogger('core.routes');
let rejectedCounter: ReturnType<ReturnType<typeof meter>['createCounter']> | undefined;
const rejected = () =>
  (rejectedCounter ??= meter('core').createCounter('stages.esb.routes.rejected', {
    description: 'route documents from config the engine refused (the running routes stayed)',
  }));

/** What the app lends the route engine: its own reference clients and its event bus. */
export interface RouteDeps {
  /** A client for a service by name, built like a `@Reference` (config `references.<service>` applies). */
  readonly clientFor: (service: string) => ServiceCaller;
  readonly bus: EventBus;
  /** Functions route documents may name in `fn:` (config cannot hold functions). */
  readonly functions?: Readonly<Record<string, RouteFunction>>;
}

/**
 * `esb.routes` of the app's config as a route source: the current document, then every accepted config change
 * that alters it (a publish to the config center included). The engine validates each one; config only carries it.
 */
export function configRouteSource(config: Pick<AppConfig, 'current' | 'onChange'>): RouteSource {
  return {
    watch(fn) {
      // Subscribe before reading: a change landing between the two would otherwise be missed.
      const off = config.onChange((next, previous) => {
        const doc = next.esb?.routes;
        if (isDeepStrictEqual(doc, previous.esb?.routes)) return;
        log.info('esb.routes changed in config: reloading routes');
        fn(doc ?? []);
      });
      fn(config.current().esb?.routes ?? []);
      return off;
    },
  };
}

/**
 * The app's ESB (config `esb`): a RouteEngine whose service endpoints call through the app's reference clients
 * (so a route reaches a local service or a remote one alike, with the cluster's balancing and failover) and whose
 * topics use the app's event bus. Routes follow `esb.routes` live; a document the engine rejects (ROUTE_INVALID)
 * is logged and counted, and the routes already running keep serving.
 */
export class AppRoutes {
  #address: { host: string; port: number; url: string } | undefined;

  private constructor(readonly engine: RouteEngine) {}

  /**
   * Builds the engine, applies the routes in config now (an invalid document fails start with ROUTE_INVALID)
   * and serves HTTP sources on `esb.http` when it is given.
   */
  static async start(settings: EsbConfig, config: AppConfig, deps: RouteDeps): Promise<AppRoutes> {
    // Loaded here, as the event bus is: an app without `esb` in config never loads the engine or fastify.
    const { RouteEngine } = await import('@stages/esb');
    // Looked up when first called, not listed up front: a reloaded document may name a service no earlier one did.
    const callers = new Map<string, ServiceCaller>();
    const clients = new Proxy({} as Record<string, ServiceCaller>, {
      get: (_target, service) => {
        if (typeof service !== 'string') return undefined;
        let caller = callers.get(service);
        if (!caller) {
          caller = deps.clientFor(service);
          callers.set(service, caller);
        }
        return caller;
      },
    });
    const engine = new RouteEngine({
      clients,
      bus: deps.bus,
      ...(deps.functions ? { functions: deps.functions } : {}),
      ...(settings.upstreams ? { upstreams: settings.upstreams } : {}),
      ...(settings.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: settings.bodyLimitBytes }),
      onRejected: (error) => {
        rejected().add(1);
        log.error({ code: error.code, reason: error.message }, 'route document rejected; the running routes stay');
      },
    });
    const routes = new AppRoutes(engine);
    try {
      await engine.watch(configRouteSource(config));
      // The engine is new: a rejection now means the document in config at start is invalid. Fail start
      // rather than run an app without the routes its config promises.
      if (engine.lastRejection) throw engine.lastRejection;
      if (settings.http) {
        const { host, port } = settings.http;
        const bound = await engine.listen({ host, port });
        routes.#address = { host, port: bound.port, url: bound.url };
      }
    } catch (error) {
      await engine.close().catch(() => {});
      throw error;
    }
    let http = settings.http;
    config.onChange((next) => {
      // The listener is bound once; moving it would drop the connections of callers in flight.
      if (!isDeepStrictEqual(next.esb?.http, http)) {
        log.warn({ running: http ?? null, configured: next.esb?.http ?? null }, 'esb.http changes need a restart');
        http = next.esb?.http;
      }
    });
    log.info({ routes: engine.routes, http: routes.#address?.url ?? null }, 'esb routes running');
    return routes;
  }

  /** Where HTTP sources are served (`esb.http`), or undefined when no HTTP listener was configured. */
  get address(): { host: string; port: number; url: string } | undefined {
    return this.#address;
  }

  /** Ids of the routes running now. */
  get routes(): readonly string[] {
    return this.engine.routes;
  }

  /**
   * Stops following config, closes the HTTP listener (requests in flight finish) and the topic subscriptions.
   * The app does this together with unsubscribing event handlers, before services drain: an exchange in flight
   * still reaches the services it calls.
   */
  close(timeoutMs = 10_000): Promise<void> {
    return closeWithin(() => this.engine.close(), timeoutMs, log, 'esb routes');
  }
}

/**
 * Closes an HTTP front (route engine, gateway) but gives up waiting after `timeoutMs`. Their fastify listeners
 * wait for open keep-alive connections, and one whose request was in flight when the close began is not told to
 * close, so it could hold the app's stop for the server's keep-alive timeout (72 s). New connections are refused
 * at once either way and the close carries on in the background; topic subscriptions of the engine also belong
 * to the app bus, which unsubscribes them itself.
 */
export async function closeWithin(
  close: () => Promise<void>,
  timeoutMs: number,
  logger: Logger,
  what: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
    timer.unref();
  });
  try {
    if ((await Promise.race([close(), late])) === 'late') {
      logger.warn({ timeoutMs }, `${what}: open HTTP connections did not close in time; continuing the stop`);
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Builder routes given in `options.config` may carry inline functions, which config cannot hold (its layers are
 * plain data, cloned and merged). Each function is swapped for a generated `fn:` name, returned beside the
 * config for the engine's `functions`, so `route(...).transform((b) => ...)` works in an inline config too.
 */
export function hoistRouteFunctions<C>(config: C): { config: C; functions: Record<string, RouteFunction> } {
  const functions: Record<string, RouteFunction> = {};
  const routes = (config as { esb?: { routes?: unknown } } | undefined)?.esb?.routes;
  if (routes === undefined || typeof routes === 'string' || !containsFunction(routes)) return { config, functions };
  let n = 0;
  const strip = (value: unknown): unknown => {
    if (typeof value === 'function') {
      const name = `inline:${n++}`;
      functions[name] = value as RouteFunction;
      return name;
    }
    if (Array.isArray(value)) return value.map(strip);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strip(v)]));
    }
    return value;
  };
  const esb = (config as { esb: object }).esb;
  return { config: { ...config, esb: { ...esb, routes: strip(routes) } }, functions };
}

function containsFunction(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (Array.isArray(value)) return value.some(containsFunction);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsFunction);
  return false;
}

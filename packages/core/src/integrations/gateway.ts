import type { TwoLevelCache } from '@stages/cache';
import { createLogger } from '@stages/common';
import type { Gateway, GatewayRoute, ServiceCaller } from '@stages/esb';
import type { GatewayConfig } from '../config/schema.js';
import { closeWithin } from './routes.js';

const log = createLogger('core.gateway');

const IDEMPOTENT_VERBS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export type MethodHints = Record<string, { idempotent: boolean; timeoutMs?: number }>;

/** What the app lends the gateway: its reference clients and its cache (for routes marked `cache`). */
export interface GatewayDeps {
  /** A client for a service, built like a `@Reference`; `methods` says which calls may fail over. */
  readonly clientFor: (service: string, methods: MethodHints) => ServiceCaller;
  readonly cache: TwoLevelCache;
  /** Routes declared in code (`input`/`output` functions, zod schemas): config holds data only. */
  readonly routes?: readonly GatewayRoute[];
}

/**
 * The app's HTTP gateway (config `gateway`): @stages/esb's Gateway over the app's own reference clients, so an
 * HTTP route reaches a local or a remote service with the cluster's balancing, failover and breakers, and with
 * the app's cache behind routes marked `cache`. Routes come from config and from code (`gatewayRoutes`); they
 * are fixed at start (the ESB's `esb.routes` are the ones that reload live).
 */
export class AppGateway {
  #address: { host: string; port: number; url: string } | undefined;

  private constructor(
    readonly gateway: Gateway,
    private readonly drainMs: number,
  ) {}

  static async start(settings: GatewayConfig | undefined, deps: GatewayDeps): Promise<AppGateway> {
    const routes = [...(settings?.routes ?? []), ...(deps.routes ?? [])] as GatewayRoute[];
    // Loaded here, as the event bus is: an app without a gateway never loads fastify and its plugins.
    const { Gateway } = await import('@stages/esb');
    const clients: Record<string, ServiceCaller> = {};
    for (const [service, methods] of methodHints(routes)) clients[service] = deps.clientFor(service, methods);
    const { http, drainMs, routes: _data, cors, ...options } = settings ?? {};
    const gateway = await Gateway.create({
      ...options,
      ...(cors === undefined ? {} : { cors: cors as never }),
      routes,
      clients,
      ...(routes.some((r) => r.cache) ? { pageCache: deps.cache } : {}),
    });
    const app = new AppGateway(gateway, drainMs ?? 0);
    try {
      const bound = await gateway.listen({ host: http?.host ?? '127.0.0.1', port: http?.port ?? 0 });
      app.#address = { host: http?.host ?? '127.0.0.1', port: bound.port, url: bound.url };
    } catch (error) {
      await gateway.close().catch(() => {});
      throw error;
    }
    log.info({ routes: routes.length, http: app.#address.url }, 'gateway listening');
    return app;
  }

  get address(): { host: string; port: number; url: string } | undefined {
    return this.#address;
  }

  /**
   * Readiness false for `drainMs` (a reverse proxy stops sending), then the listener closes and the requests in
   * flight finish. Bounded like the route engine's close: a busy keep-alive connection must not hold the stop.
   */
  close(timeoutMs = 10_000): Promise<void> {
    return closeWithin(() => this.gateway.close({ drainMs: this.drainMs }), this.drainMs + timeoutMs, log, 'gateway');
  }
}

/** Per service, per method: idempotent only if every route calling it is (as the gateway's own clients do). */
function methodHints(routes: readonly GatewayRoute[]): Map<string, MethodHints> {
  const byService = new Map<string, MethodHints>();
  for (const route of routes) {
    const methods = byService.get(route.service) ?? {};
    const verbs = typeof route.method === 'string' ? [route.method] : route.method;
    const idempotent = route.idempotent ?? verbs.every((v) => IDEMPOTENT_VERBS.has(v));
    methods[route.call] = {
      idempotent: (methods[route.call]?.idempotent ?? true) && idempotent,
      ...(route.timeoutMs === undefined ? {} : { timeoutMs: route.timeoutMs }),
    };
    byService.set(route.service, methods);
  }
  return byService;
}

import { StagesError } from '@stages/common';
import type { Registry } from '@stages/registry';
import {
  type CallOptions,
  type ClientTransport,
  type MethodOptions,
  ServiceClient,
  type ServiceClientOptions,
} from '@stages/rpc';
import { type GatewayRoute, isIdempotent } from './route.js';

/** What the gateway needs of a service: a ServiceClient, or anything with the same `call`. */
export interface ServiceCaller {
  call<T = unknown>(method: string, payload: unknown, options?: CallOptions): Promise<T>;
  /** When present, readiness reports the count and fails at zero. */
  readonly providers?: readonly unknown[];
  close?(): Promise<void>;
}

export type ClientDefaults = Omit<Partial<ServiceClientOptions>, 'service' | 'registry' | 'transports' | 'methods'>;

/**
 * One ServiceClient per routed service, so each gets the rpc cluster's balancing, failover and breakers. A
 * method is idempotent (may fail over) only if every route calling it is.
 */
export function buildCallers(
  routes: readonly GatewayRoute[],
  given: Readonly<Record<string, ServiceCaller>>,
  registry: Registry | undefined,
  transports: readonly ClientTransport[] | undefined,
  defaults: ClientDefaults,
): Map<string, ServiceCaller> {
  const methods = new Map<string, Record<string, MethodOptions>>();
  for (const route of routes) {
    const m = methods.get(route.service) ?? {};
    const prior = m[route.call];
    m[route.call] = {
      idempotent: (prior?.idempotent ?? true) && isIdempotent(route),
      ...(route.timeoutMs === undefined ? {} : { timeoutMs: route.timeoutMs }),
    };
    methods.set(route.service, m);
  }
  const callers = new Map<string, ServiceCaller>();
  for (const [service, m] of methods) {
    const caller = given[service];
    if (caller) {
      callers.set(service, caller);
      continue;
    }
    if (!registry || !transports?.length) {
      throw new StagesError(
        'CONFIG_INVALID',
        `gateway: no client for service "${service}" (give clients, or registry and transports)`,
        {
          details: { field: 'clients', service },
        },
      );
    }
    callers.set(service, new ServiceClient({ ...defaults, service, registry, transports, methods: m }));
  }
  return callers;
}

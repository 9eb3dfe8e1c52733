import { ServiceClient, type ServiceClientOptions } from '@stages/rpc';
import { isApiToken } from '../api-token.js';
import type { Wiring } from '../app/wiring.js';
import type { StagesConfig } from '../config/schema.js';
import type { ReferenceMetadata } from '../decorators/metadata.js';
import { RPC_KEY, type RpcMetadata, SERVICE_KEY, type ServiceOptions } from '../decorators/metadata.js';
import type { ReferenceClient, ReferenceSpec } from './reference-client.js';

/** Token defaults, then the decorator's options, then `references.<service>` in config: ops have the last word. */
export function referenceSpec(ref: ReferenceMetadata, config: StagesConfig): ReferenceSpec {
  let service: string;
  let defaults: Omit<ReferenceSpec, 'service' | 'extra'> = {};
  if (isApiToken(ref.target)) {
    const { service: name, version, group, methods } = ref.target;
    service = name;
    defaults = definedOnly({ version, group, methods });
  } else {
    const meta = Reflect.getOwnMetadata(SERVICE_KEY, ref.target) as ServiceOptions | undefined;
    if (!meta) {
      throw new TypeError(
        `@Reference target ${String((ref.target as { name?: string }).name)} is neither an API token nor a @Service class`,
      );
    }
    service = meta.name;
    // Referring to the implementation class: its @Rpc options tell the client which calls are safe to retry.
    const rpcs = (Reflect.getMetadata(RPC_KEY, ref.target) as RpcMetadata[] | undefined) ?? [];
    const methods = Object.fromEntries(
      rpcs.map((m) => [m.name, definedOnly({ idempotent: m.idempotent, timeoutMs: m.timeoutMs })]),
    );
    defaults = definedOnly({ group: meta.group, methods });
  }
  const { version, group, tags, balancer, faultTolerance, timeoutMs, methods, ...extra } = (config.references[
    service
  ] ?? {}) as Record<string, unknown>;
  const merged = {
    ...defaults,
    ...ref.options,
    ...definedOnly({ version, group, tags, balancer, faultTolerance, timeoutMs }),
    methods: mergeMethods(defaults.methods, methods as ReferenceSpec['methods']),
  };
  return { ...merged, service, extra } as ReferenceSpec;
}

function mergeMethods(a: ReferenceSpec['methods'], b: ReferenceSpec['methods']): ReferenceSpec['methods'] {
  const out: Record<string, { idempotent?: boolean; timeoutMs?: number }> = {};
  for (const [name, m] of Object.entries(a ?? {})) out[name] = { ...m };
  for (const [name, m] of Object.entries(b ?? {})) out[name] = { ...out[name], ...m };
  return out;
}

/** One ServiceClient from @stages/rpc per reference: filters, balancer, breakers, failover, deadlines, client spans. */
export function createReferenceClient(spec: ReferenceSpec, wiring: Wiring, config: StagesConfig): ReferenceClient {
  return new ServiceClient({
    // Other ServiceClient options from `references.<service>` (retries, breaker, retryBudget...); it validates them.
    ...(spec.extra as Partial<ServiceClientOptions>),
    service: spec.service,
    registry: wiring.registry,
    transports: [...new Set(wiring.clientTransports.values())],
    ...definedOnly({
      version: spec.version,
      group: spec.group,
      zone: config.app.zone,
      tags: spec.tags,
      balancer: spec.balancer,
      faultTolerance: spec.faultTolerance,
      timeoutMs: spec.timeoutMs,
      methods: spec.methods,
    }),
  } as ServiceClientOptions);
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

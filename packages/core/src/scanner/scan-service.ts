import { defineService, type MethodDescriptor, type ServiceDescriptor, StagesError } from '@stages/common';
import {
  type Fallback,
  REFERENCES_KEY,
  type ReferenceMetadata,
  RPC_KEY,
  type RpcMetadata,
  SCOPE_KEY,
  type Scope,
  SERVICE_KEY,
  type ServiceOptions,
} from '../decorators/metadata.js';
import { subscriptionsOf } from '../integrations/events.js';

export type ServiceClass<T = object> = new (...args: never[]) => T;

/** Everything the decorators recorded on one service class, read once. */
export interface ServiceDefinition {
  readonly cls: ServiceClass;
  readonly name: string;
  readonly version: string;
  readonly group: string;
  readonly maxConcurrency?: number;
  readonly proto?: { readonly file: string; readonly service: string };
  readonly scope: Scope;
  readonly methods: readonly RpcMetadata[];
  readonly references: readonly ReferenceMetadata[];
}

/** Per-service overrides from config (bulkheads and timeouts can be tuned without touching code). */
export interface ServiceOverrides {
  readonly version?: string;
  readonly group?: string;
  readonly maxConcurrency?: number;
  readonly methods?: Readonly<Record<string, { readonly maxConcurrency?: number; readonly timeoutMs?: number }>>;
}

export function isServiceClass(value: unknown): value is ServiceClass {
  return typeof value === 'function' && Reflect.hasOwnMetadata(SERVICE_KEY, value);
}

export function scanService(cls: ServiceClass): ServiceDefinition {
  const service = Reflect.getOwnMetadata(SERVICE_KEY, cls) as ServiceOptions | undefined;
  if (!service) throw new TypeError(`${cls.name} is not decorated with @Service`);
  const methods = (Reflect.getMetadata(RPC_KEY, cls) as RpcMetadata[] | undefined) ?? [];
  if (methods.length === 0 && subscriptionsOf(cls).length === 0) {
    throw new TypeError(`@Service ${service.name} (${cls.name}) has no @Rpc methods and no @Subscribe handlers`);
  }
  for (const m of methods) {
    if (typeof (cls.prototype as Record<string, unknown>)[m.name] !== 'function') {
      throw new TypeError(`@Service ${service.name}: @Rpc ${m.name} is not a method`);
    }
    if (
      typeof m.fallback === 'string' &&
      typeof (cls.prototype as Record<string, unknown>)[m.fallback] !== 'function'
    ) {
      throw new TypeError(`@Service ${service.name}: fallback "${m.fallback}" of ${m.name} is not a method`);
    }
  }
  return Object.freeze({
    cls,
    name: service.name,
    version: service.version ?? '0.0.0',
    group: service.group ?? '',
    ...(service.maxConcurrency === undefined ? {} : { maxConcurrency: service.maxConcurrency }),
    ...(service.proto === undefined ? {} : { proto: service.proto }),
    scope: (Reflect.getMetadata(SCOPE_KEY, cls) as Scope | undefined) ?? 'singleton',
    methods: Object.freeze([...methods]),
    references: referencesOf(cls),
  });
}

export function referencesOf(cls: object): readonly ReferenceMetadata[] {
  return Object.freeze([...((Reflect.getOwnMetadata(REFERENCES_KEY, cls) as ReferenceMetadata[] | undefined) ?? [])]);
}

/**
 * The common descriptor rpc serves. `instanceFor` returns the object that serves one call: the singleton, or a
 * fresh per-call instance; it is called inside the call, so per-call scopes see the call's context.
 */
export function toDescriptor(
  def: ServiceDefinition,
  instanceFor: () => { instance: object; release?: () => unknown },
  overrides: ServiceOverrides = {},
): ServiceDescriptor {
  const handler: Record<string, (request: unknown) => Promise<unknown>> = {};
  for (const m of def.methods) handler[m.name] = methodHandler(m, instanceFor);
  const maxConcurrency = overrides.maxConcurrency ?? def.maxConcurrency;
  return defineService({
    name: def.name,
    version: overrides.version ?? def.version,
    group: overrides.group ?? def.group,
    handler,
    ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
    ...(def.proto === undefined ? {} : { proto: { file: def.proto.file, service: def.proto.service } }),
    methods: def.methods.map((m): Partial<MethodDescriptor> & { name: string } => {
      const o = overrides.methods?.[m.name] ?? {};
      const timeoutMs = o.timeoutMs ?? m.timeoutMs;
      const max = o.maxConcurrency ?? m.maxConcurrency;
      return {
        name: m.name,
        idempotent: m.idempotent ?? false,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(max === undefined ? {} : { maxConcurrency: max }),
        ...(m.input === undefined ? {} : { input: m.input }),
      };
    }),
  });
}

function methodHandler(m: RpcMetadata, instanceFor: () => { instance: object; release?: () => unknown }) {
  return async (request: unknown): Promise<unknown> => {
    const { instance, release } = instanceFor();
    const target = instance as Record<string, (...args: unknown[]) => unknown>;
    try {
      return await target[m.name]!.call(instance, request);
    } catch (error) {
      const fallback = resolveFallback(m.fallback, target);
      // Only a failure that says "try again later" (a dependency down, a deadline, an open breaker) degrades to
      // the fallback; a bad request or a bug must still reach the caller.
      if (fallback && StagesError.is(error) && error.retryable) return await fallback.call(instance, request, error);
      throw error;
    } finally {
      await release?.();
    }
  };
}

function resolveFallback(
  fallback: Fallback | string | undefined,
  target: Record<string, (...args: unknown[]) => unknown>,
): Fallback | undefined {
  if (typeof fallback === 'function') return fallback;
  if (typeof fallback === 'string') return target[fallback] as Fallback;
  return undefined;
}

/**
 * The contract between whoever describes a service (core's decorators, or plain code) and whoever serves or
 * calls it (rpc's transports, esb's gateway). Plain data plus a handler object, so leaf packages can be used
 * without decorators.
 */

/** Anything with zod's `safeParse`; kept structural so leaf packages need no zod dependency. */
export interface InputSchema {
  safeParse(
    input: unknown,
  ):
    | { success: true; data: unknown }
    | { success: false; error: { issues?: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

export interface MethodDescriptor {
  readonly name: string;
  /** Safe to retry on another provider (failover) and to hedge. */
  readonly idempotent: boolean;
  /** Default deadline for a call, when the caller gives none. */
  readonly timeoutMs?: number;
  /** Server-side bulkhead: calls running at once; more get RESOURCE_EXHAUSTED. */
  readonly maxConcurrency?: number;
  /** Validated before the handler runs; failure is INVALID_ARGUMENT. */
  readonly input?: InputSchema;
}

export interface ServiceDescriptor {
  readonly name: string;
  /** Semver of the implementation; consumers may filter on it. */
  readonly version: string;
  /** Dubbo-style group: providers and consumers match on it exactly. '' is the default group. */
  readonly group: string;
  readonly methods: readonly MethodDescriptor[];
  /** The object whose methods serve calls: `handler[method](request)`. */
  readonly handler: object;
  /** Server-side bulkhead for the whole service. */
  readonly maxConcurrency?: number;
  /** IDL mode: the .proto file and the fully qualified service name in it. */
  readonly proto?: { readonly file: string; readonly service: string };
}

/** Builds a descriptor from plain values, filling defaults and checking the handler has each method. */
export function defineService(spec: {
  name: string;
  version?: string;
  group?: string;
  handler: object;
  methods: readonly (string | (Partial<MethodDescriptor> & { name: string }))[];
  maxConcurrency?: number;
  proto?: { file: string; service: string };
}): ServiceDescriptor {
  const methods = spec.methods.map((m) => {
    const method: MethodDescriptor =
      typeof m === 'string' ? { name: m, idempotent: false } : { idempotent: false, ...m };
    if (typeof (spec.handler as Record<string, unknown>)[method.name] !== 'function') {
      throw new TypeError(`service ${spec.name}: handler has no method ${method.name}`);
    }
    return Object.freeze(method);
  });
  return Object.freeze({
    name: spec.name,
    version: spec.version ?? '0.0.0',
    group: spec.group ?? '',
    methods: Object.freeze(methods),
    handler: spec.handler,
    ...(spec.maxConcurrency === undefined ? {} : { maxConcurrency: spec.maxConcurrency }),
    ...(spec.proto === undefined ? {} : { proto: spec.proto }),
  });
}

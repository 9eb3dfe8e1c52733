import 'reflect-metadata';
import type { InputSchema } from '@stages/common';
import type { ApiToken } from '../api-token.js';

/**
 * What the decorators record. Decorators only write these; `scanService` reads them. Keys are Symbol.for so a
 * second copy of core in one process (a linked package) still reads the first copy's metadata.
 */
export const SERVICE_KEY = Symbol.for('stages.service');
export const RPC_KEY = Symbol.for('stages.rpc');
export const REFERENCES_KEY = Symbol.for('stages.references');
export const FEATURE_KEY = Symbol.for('stages.feature');
export const SCOPE_KEY = Symbol.for('stages.scope');

export interface ServiceOptions {
  readonly name: string;
  readonly version?: string;
  readonly group?: string;
  /** Server-side bulkhead for the whole service: calls running at once. */
  readonly maxConcurrency?: number;
  /**
   * IDL mode: the .proto file and the fully qualified service in it. The service is then also served as plain
   * gRPC methods, callable by any gRPC client in any language (registered with protocol `grpc-idl`).
   */
  readonly proto?: { readonly file: string; readonly service: string };
}

/** Called instead of the result when the handler fails with a retryable error (a dependency is down). */
export type Fallback = (request: unknown, error: unknown) => unknown;

export interface RpcOptions {
  readonly idempotent?: boolean;
  readonly timeoutMs?: number;
  /** A zod schema (anything with `safeParse`); failing input is INVALID_ARGUMENT before the handler runs. */
  readonly input?: InputSchema;
  readonly maxConcurrency?: number;
  /** A function, or the name of another method on the same class, taking `(request, error)`. */
  readonly fallback?: Fallback | string;
}

export interface RpcMetadata extends RpcOptions {
  readonly name: string;
}

export interface ReferenceOptions {
  readonly version?: string;
  readonly group?: string;
  readonly tags?: readonly string[];
  /** A balancer name or `{ type, options }`, resolved by @stages/rpc. */
  readonly balancer?: unknown;
  /** Fault-tolerance mode (`failover`, `failfast`, ...) or `{ type, options }`, resolved by @stages/rpc. */
  readonly faultTolerance?: unknown;
}

/** What a service refers to: an API token (preferred) or a decorated implementation class. */
export type ReferenceTarget<T = unknown> = ApiToken<T> | (abstract new (...args: never[]) => T);

export interface ReferenceMetadata {
  /** Constructor parameter index. */
  readonly index: number;
  /** The tsyringe token the app registers the proxy under. */
  readonly token: symbol;
  readonly target: ReferenceTarget;
  readonly options: ReferenceOptions;
}

export type Scope = 'singleton' | 'call' | 'transient';

export function ownList<T>(key: symbol, target: object): T[] {
  if (!Reflect.hasOwnMetadata(key, target)) {
    // Copy the parent's list so a subclass inherits its base's methods without mutating them.
    const inherited = (Reflect.getMetadata(key, target) as T[] | undefined) ?? [];
    Reflect.defineMetadata(key, [...inherited], target);
  }
  return Reflect.getOwnMetadata(key, target) as T[];
}

import type { ServiceDescriptor } from '@stages/common';
import type { ProviderInstance } from '@stages/registry';

/** One call as the client side hands it to a transport. */
export interface OutgoingCall {
  readonly service: string;
  readonly method: string;
  readonly payload: unknown;
  /** Absolute deadline, epoch ms. */
  readonly deadline: number;
  /** Propagated metadata: traceparent, caller, tags, ... (string values only). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/** Client side: carries one call to one chosen provider. Errors are StagesErrors with stable codes. */
export interface ClientTransport {
  /** Matches ProviderInstance.protocol. */
  readonly protocol: string;
  invoke(provider: ProviderInstance, call: OutgoingCall): Promise<unknown>;
  /** Closes the channel to a provider that left the registry, after its in-flight calls end. */
  release?(provider: ProviderInstance): void;
  close(): Promise<void>;
}

/** Server side: serves descriptors through the shared server pipeline (validation, bulkheads, deadlines, spans). */
export interface ServerTransport {
  readonly protocol: string;
  expose(service: ServiceDescriptor): void;
  /** Binds and starts serving; resolves to the address actually bound (port 0 means any free port). */
  start(): Promise<{ host: string; port: number }>;
  /** Stops taking new calls and waits for in-flight ones up to timeoutMs, then closes. */
  stop(options?: { drainTimeoutMs?: number }): Promise<void>;
  /** Calls running right now (for readiness and drain). */
  inFlight(): number;
  /** The protocol a provider of this descriptor registers with, when it differs by descriptor (`grpc-idl`). */
  protocolFor?(service: ServiceDescriptor): string;
  /** Readiness as the transport reports it to probes and balancers (gRPC health); '' is the whole server. */
  setServing?(service: string, serving: boolean): void;
}

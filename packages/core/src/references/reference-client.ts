/**
 * What a reference proxy needs from the client side: one call, and closing. @stages/rpc's ServiceClient
 * (filters, balancer, breakers, failover) is adapted to this; the app never depends on more.
 */
export interface ReferenceClient {
  readonly service: string;
  call(method: string, payload: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/** What the app knows about one reference when it asks for a client. */
export interface ReferenceSpec {
  readonly service: string;
  readonly version?: string;
  readonly group?: string;
  readonly tags?: readonly string[];
  readonly balancer?: unknown;
  readonly faultTolerance?: unknown;
  readonly timeoutMs?: number;
  /** Per method: safe to retry elsewhere (failover), default deadline. */
  readonly methods?: Readonly<Record<string, { readonly idempotent?: boolean; readonly timeoutMs?: number }>>;
  /** Anything else under `references.<service>` in config, passed through to the client. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/**
 * One running copy of a service that can take calls. Stored as JSON in the registry (a ZooKeeper znode,
 * a static list, a Map), so every field is plain data.
 */
export interface ProviderInstance {
  /** Unique per running instance, stable for its lifetime (e.g. `${host}:${port}:${pid}`). */
  readonly id: string;
  readonly service: string;
  readonly host: string;
  readonly port: number;
  /** Transport that serves it: `grpc` (Stages-to-Stages streams with unary fallback), `grpc-idl`, `inproc`. */
  readonly protocol: string;
  readonly version: string;
  readonly group: string;
  /** Data center / availability zone; consumers prefer their own (stage 9). */
  readonly zone?: string;
  /** Relative weight for weighted balancers; 100 is normal. */
  readonly weight: number;
  /** Routing tags, e.g. `canary`. */
  readonly tags: readonly string[];
  readonly methods: readonly string[];
  /** Epoch ms when the instance started; warm-up ramps weight from here. */
  readonly startTime: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ProvidersUpdate {
  /** The full current list, never a diff. */
  readonly providers: readonly ProviderInstance[];
  /** True while the registry cannot reach its store and the list is the last known one (or a snapshot). */
  readonly stale: boolean;
}

export type ProvidersListener = (update: ProvidersUpdate) => void;

/**
 * Where providers announce themselves and consumers find them. `subscribe` delivers the current list at once
 * (asynchronously) and again after every change, coalesced; it never delivers a partial list.
 */
export interface Registry {
  readonly name: string;
  register(instance: ProviderInstance): Promise<void>;
  deregister(instanceId: string): Promise<void>;
  subscribe(service: string, listener: ProvidersListener): () => void;
  /** The current list for one service (from the store, or the cached list when stale). */
  lookup(service: string): Promise<readonly ProviderInstance[]>;
  /** Every service name known to the registry (for `stages registry ls`). */
  services(): Promise<readonly string[]>;
  close(): Promise<void>;
}

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

/** A consumer that recorded itself (for the dashboard and `stages registry ls`); informational only. */
export interface ConsumerRecord {
  readonly id: string;
  /** The service it consumes. */
  readonly service: string;
  readonly host: string;
  readonly app?: string;
  readonly startTime: number;
  readonly metadata?: Readonly<Record<string, string>>;
}

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
  /** True when register/deregister do nothing (a static list from config). Absent means writable. */
  readonly readOnly?: boolean;
  /** Records a consumer of `record.service` until deregistered or closed. Best effort; optional. */
  registerConsumer?(record: ConsumerRecord): Promise<void>;
  /** The consumers that recorded themselves for a service. Optional. */
  consumers?(service: string): Promise<readonly ConsumerRecord[]>;
}

import { meter, tracer } from '@stages/common';

// Types through common, so this package imports OpenTelemetry only via @stages/common.
type Meter = ReturnType<typeof meter>;
type Counter = ReturnType<Meter['createCounter']>;
type Histogram = ReturnType<Meter['createHistogram']>;

export const registryTracer = tracer('registry');

export interface RegistryInstruments {
  /** register / deregister / registerConsumer, by registry kind and outcome (ok, deferred, denied). */
  operations: Counter;
  /** Updates delivered to subscribers; `stale=true` ones come from memory or the snapshot, not the store. */
  updates: Counter;
  /** Znodes or snapshot entries that were not a valid ProviderInstance and were skipped. */
  junk: Counter;
  /** ZooKeeper sessions established (more than one per registry means a session expired). */
  sessions: Counter;
  /** From a provider node being written (its mtime) to the new list reaching subscribers in this process. */
  propagation: Histogram;
}

let bound: { meter: Meter; instruments: RegistryInstruments } | undefined;

/**
 * The instruments, created on first use rather than at import. OpenTelemetry's metrics API has no proxy (unlike
 * tracing): instruments made before the app registers its SDK would stay no-ops. Common's meters re-bind when
 * `registerTelemetry` runs; creating late also covers an SDK registered directly through the API, and a meter that
 * changes identity (a new provider) gets a fresh set.
 */
export function instruments(): RegistryInstruments {
  const m = meter('registry');
  if (bound?.meter === m) return bound.instruments;
  const created: RegistryInstruments = {
    operations: m.createCounter('stages.registry.operations', { description: 'Registry writes by outcome' }),
    updates: m.createCounter('stages.registry.updates', { description: 'Provider-list updates delivered' }),
    junk: m.createCounter('stages.registry.junk_nodes', {
      description: 'Provider records skipped: not JSON, or wrong fields',
    }),
    sessions: m.createCounter('stages.registry.sessions', { description: 'ZooKeeper sessions established' }),
    propagation: m.createHistogram('stages.registry.propagation', {
      description: 'Delay from a provider node change to delivery to subscribers',
      unit: 'ms',
    }),
  };
  m.createObservableGauge('stages.registry.stale', {
    description: '1 while a registry cannot reach its store and serves the last known lists or its snapshot',
  }).addCallback((result) => {
    for (const source of staleSources) {
      result.observe(source.isStale() ? 1 : 0, { registry: source.kind, namespace: source.namespace });
    }
  });
  bound = { meter: m, instruments: created };
  return created;
}

/** Anything that can say whether it is serving stale data; the gauge reads them all on each collection. */
export interface StaleSource {
  readonly kind: string;
  readonly namespace: string;
  isStale(): boolean;
}

const staleSources = new Set<StaleSource>();

export function trackStale(source: StaleSource): () => void {
  staleSources.add(source);
  instruments(); // make sure the gauge exists on the current provider
  return () => staleSources.delete(source);
}

/** Plain counters per registry, readable without an OpenTelemetry SDK (tests, health endpoints, the CLI). */
export interface RegistryStats {
  junkNodes: number;
  sessions: number;
  updates: number;
  staleUpdates: number;
}

export function emptyStats(): RegistryStats {
  return { junkNodes: 0, sessions: 0, updates: 0, staleUpdates: 0 };
}

import { meter, tracer } from '@stages/common';

export const registryTracer = tracer('registry');
const registryMeter = meter('registry');

/** register / deregister / consumer records written, by registry kind and outcome. */
export const operationsCounter = registryMeter.createCounter('stages.registry.operations', {
  description: 'Registry writes (register, deregister, registerConsumer) by outcome',
});

/** Updates delivered to subscribers; `stale=true` ones come from memory or the snapshot, not the store. */
export const updatesCounter = registryMeter.createCounter('stages.registry.updates', {
  description: 'Provider-list updates delivered to subscribers',
});

/** Znodes or snapshot entries that were not a valid ProviderInstance and were skipped. */
export const junkCounter = registryMeter.createCounter('stages.registry.junk_nodes', {
  description: 'Provider records skipped because they were not valid JSON or had wrong fields',
});

export const sessionCounter = registryMeter.createCounter('stages.registry.sessions', {
  description: 'ZooKeeper sessions established (a count above 1 per process means a session expired)',
});

/** Time from a provider znode being written (its mtime) to the list reaching subscribers in this process. */
export const propagationHistogram = registryMeter.createHistogram('stages.registry.propagation', {
  description: 'Delay from a provider node change to delivery to subscribers',
  unit: 'ms',
});

/** Anything that can say whether it is serving stale data; the gauge reads them all on each collection. */
export interface StaleSource {
  readonly kind: string;
  readonly namespace: string;
  isStale(): boolean;
}

const staleSources = new Set<StaleSource>();

registryMeter
  .createObservableGauge('stages.registry.stale', {
    description: '1 while a registry cannot reach its store and serves the last known lists or its snapshot',
  })
  .addCallback((result) => {
    for (const source of staleSources) {
      result.observe(source.isStale() ? 1 : 0, { registry: source.kind, namespace: source.namespace });
    }
  });

export function trackStale(source: StaleSource): () => void {
  staleSources.add(source);
  return () => staleSources.delete(source);
}

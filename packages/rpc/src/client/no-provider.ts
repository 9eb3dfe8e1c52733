import { StagesError } from '@stages/common';
import type { ProviderInstance } from '@stages/registry';
import type { RemovedProvider } from '../filters/filter.js';

export interface NoProviderFacts {
  readonly service: string;
  readonly method: string;
  readonly known: readonly ProviderInstance[];
  readonly removed: readonly RemovedProvider[];
  readonly stale: boolean;
  readonly delivered: boolean;
  readonly wanted: {
    readonly version: string;
    readonly group: string;
    readonly zone?: string;
    readonly tags: readonly string[];
  };
}

/**
 * "Why no provider?" (Dubbo's most asked support question): the error names, per known provider, the filter
 * that removed it and why, and says whether the registry list is stale or empty, so nobody has to guess.
 * CIRCUIT_OPEN when every known provider was removed only by its breaker (the providers exist and match, but
 * are failing); NO_PROVIDER otherwise. Both map to gRPC UNAVAILABLE.
 */
export function noProviderError(f: NoProviderFacts): StagesError {
  const target = `${f.service}.${f.method}`;
  const registryState = !f.delivered
    ? 'the registry has not delivered a provider list yet'
    : f.stale
      ? 'the registry is STALE (cannot reach its store; this is the last known list)'
      : 'the registry list is fresh';
  const allBreakers = f.known.length > 0 && f.removed.length > 0 && f.removed.every((r) => r.filter === 'breaker');
  let message: string;
  if (f.known.length === 0) {
    message = `no provider for ${target}: the registry knows no provider of ${f.service}; ${registryState}`;
  } else {
    const lines = f.removed.map((r) => `${r.address} (${r.id}) removed by ${r.filter}: ${r.reason}`);
    message = `${allBreakers ? 'every circuit breaker is open' : 'no provider'} for ${target}: ${f.known.length} known, none usable; ${registryState}. ${lines.join('; ')}`;
  }
  return new StagesError(allBreakers ? 'CIRCUIT_OPEN' : 'NO_PROVIDER', message, {
    details: {
      service: f.service,
      method: f.method,
      known: f.known.length,
      stale: f.stale,
      delivered: f.delivered,
      wanted: f.wanted,
      removed: f.removed.map((r) => ({ ...r })),
    },
  });
}

import type { ProviderInstance } from '@stages/registry';
import type { CallInfo } from '../balancing/balancer.js';

/** Receives, for one removed provider, the reason it was removed. Only passed when someone asks "why?". */
export type ExplainSink = (provider: ProviderInstance, reason: string) => void;

/**
 * Narrows the providers a call may go to. Runs on every call before the balancer: keep it synchronous and
 * allocation-light. Returns the kept providers (the same array when nothing was removed is fine).
 *
 * `explain` is passed only when the chain left nothing and the client builds its "why no provider?" error:
 * then the filter must call it once for every provider it removed, with a reason a user can act on
 * ("version 1.4.0 does not satisfy ^2.0.0"), so nobody has to guess why a call found no provider.
 */
export interface ProviderFilter {
  readonly name: string;
  /**
   * True for filters that only express a preference (tags, zone): they never remove everything and are
   * skipped when a call must reach every provider (broadcast).
   */
  readonly preference?: boolean;
  filter(providers: readonly ProviderInstance[], call: CallInfo, explain?: ExplainSink): readonly ProviderInstance[];
}

export interface RemovedProvider {
  readonly id: string;
  readonly address: string;
  readonly filter: string;
  readonly reason: string;
}

/** Runs filters in order; stops early once nothing is left. */
export function applyFilters(
  filters: readonly ProviderFilter[],
  providers: readonly ProviderInstance[],
  call: CallInfo,
  removed?: RemovedProvider[],
): readonly ProviderInstance[] {
  let list = providers;
  for (const f of filters) {
    if (list.length === 0) break;
    const explain: ExplainSink | undefined = removed
      ? (p, reason) => removed.push({ id: p.id, address: `${p.host}:${p.port}`, filter: f.name, reason })
      : undefined;
    list = f.filter(list, call, explain);
  }
  return list;
}

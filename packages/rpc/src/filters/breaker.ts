import type { ProviderInstance } from '@stages/registry';
import type { CallInfo } from '../balancing/balancer.js';
import type { ExplainSink, ProviderFilter } from './filter.js';

/** What the breaker filter needs to know: may a call go to this provider now, and if not, why. */
export interface BreakerView {
  allows(provider: ProviderInstance): boolean;
  describe(provider: ProviderInstance): string;
}

/**
 * Skips providers whose circuit breaker is open (or half-open with its one probe already in flight), so a
 * failing provider gets no calls until its breaker lets a probe through.
 */
export class BreakerFilter implements ProviderFilter {
  readonly name = 'breaker';

  constructor(readonly breakers: BreakerView) {}

  filter(providers: readonly ProviderInstance[], _call: CallInfo, explain?: ExplainSink): readonly ProviderInstance[] {
    let kept: ProviderInstance[] | undefined;
    for (let i = 0; i < providers.length; i++) {
      const p = providers[i]!;
      if (this.breakers.allows(p)) {
        kept?.push(p);
        continue;
      }
      // Copy lazily: with every breaker closed (the usual case) the input array is returned as is.
      kept ??= providers.slice(0, i);
      explain?.(p, this.breakers.describe(p));
    }
    return kept ?? providers;
  }
}

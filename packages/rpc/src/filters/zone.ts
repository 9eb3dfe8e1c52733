import type { ProviderInstance } from '@stages/registry';
import type { CallInfo } from '../balancing/balancer.js';
import type { ExplainSink, ProviderFilter } from './filter.js';

/**
 * Zone preference (stage 9, multi-active data centers): calls stay in the consumer's zone, where latency is low
 * and cross-zone traffic costs nothing; other zones take calls only when the local zone has no healthy
 * provider left. "Healthy" means it survived the filters before this one, so put the breaker filter first.
 */
export class ZoneFilter implements ProviderFilter {
  readonly name = 'zone';
  readonly preference = true;

  constructor(readonly zone?: string) {}

  filter(providers: readonly ProviderInstance[], _call: CallInfo, explain?: ExplainSink): readonly ProviderInstance[] {
    const zone = this.zone;
    if (!zone) return providers;
    const local = providers.filter((p) => p.zone === zone);
    if (local.length === 0) return providers;
    if (explain) {
      for (const p of providers) {
        if (p.zone !== zone) explain(p, `zone ${p.zone ?? '(none)'}; zone ${zone} has ${local.length} healthy`);
      }
    }
    return local;
  }
}

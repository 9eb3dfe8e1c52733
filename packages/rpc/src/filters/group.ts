import type { ProviderInstance } from '@stages/registry';
import type { CallInfo } from '../balancing/balancer.js';
import type { ExplainSink, ProviderFilter } from './filter.js';

/**
 * Keeps providers of exactly the consumer's group (Dubbo groups: two implementations of one interface,
 * e.g. `cn` and `us`). `''` is the default group; `'*'` accepts any group.
 */
export class GroupFilter implements ProviderFilter {
  readonly name = 'group';

  constructor(readonly group = '') {}

  filter(providers: readonly ProviderInstance[], _call: CallInfo, explain?: ExplainSink): readonly ProviderInstance[] {
    if (this.group === '*') return providers;
    if (providers.every((p) => (p.group ?? '') === this.group)) return providers;
    const kept = providers.filter((p) => (p.group ?? '') === this.group);
    if (explain) {
      for (const p of providers) {
        if ((p.group ?? '') !== this.group) explain(p, `group "${p.group ?? ''}" is not "${this.group}"`);
      }
    }
    return kept;
  }
}

import type { ProviderInstance } from '@stages/registry';
import type { CallInfo } from '../balancing/balancer.js';
import type { ExplainSink, ProviderFilter } from './filter.js';
import { ListMemo } from './memo.js';

/**
 * Keeps providers of exactly the consumer's group (Dubbo groups: two implementations of one interface,
 * e.g. `cn` and `us`). `''` is the default group; `'*'` accepts any group.
 */
export class GroupFilter implements ProviderFilter {
  readonly name = 'group';

  readonly #memo = new ListMemo();

  constructor(readonly group = '') {}

  filter(providers: readonly ProviderInstance[], _call: CallInfo, explain?: ExplainSink): readonly ProviderInstance[] {
    if (this.group === '*') return providers;
    if (!explain) return this.#memo.get(providers) ?? this.#memo.set(providers, this.#keep(providers));
    for (const p of providers) {
      if ((p.group ?? '') !== this.group) explain(p, `group "${p.group ?? ''}" is not "${this.group}"`);
    }
    return this.#keep(providers);
  }

  #keep(providers: readonly ProviderInstance[]): readonly ProviderInstance[] {
    if (providers.every((p) => (p.group ?? '') === this.group)) return providers;
    return providers.filter((p) => (p.group ?? '') === this.group);
  }
}

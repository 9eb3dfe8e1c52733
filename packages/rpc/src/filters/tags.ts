import type { ProviderInstance } from '@stages/registry';
import type { CallInfo } from '../balancing/balancer.js';
import type { ExplainSink, ProviderFilter } from './filter.js';
import { ListMemo } from './memo.js';

const NO_EXPLAIN: ExplainSink = () => {};

/**
 * Tag routing for canary releases. A call tagged `canary` goes to providers tagged `canary`; when none is left
 * it falls back to untagged providers, so tagging traffic before the canary is up loses nothing. An untagged
 * call avoids tagged providers (a canary only gets the traffic meant for it) unless nothing else is left.
 */
export class TagFilter implements ProviderFilter {
  readonly name = 'tags';
  readonly preference = true;
  readonly #untagged = new ListMemo();

  filter(providers: readonly ProviderInstance[], call: CallInfo, explain?: ExplainSink): readonly ProviderInstance[] {
    const tags = call.tags;
    if (tags.length === 0) {
      // An untagged call's answer depends on the list alone: the same list gets the same answer.
      if (!explain) {
        const known = this.#untagged.get(providers);
        if (known !== undefined) return known;
        return this.#untagged.set(providers, this.filter(providers, call, NO_EXPLAIN));
      }
      if (providers.every((p) => p.tags.length === 0)) return providers;
      const untagged = providers.filter((p) => p.tags.length === 0);
      if (untagged.length === 0) return providers;
      if (explain) {
        for (const p of providers) {
          if (p.tags.length > 0) explain(p, `tagged [${p.tags.join(', ')}] and the call is untagged`);
        }
      }
      return untagged;
    }
    const matching = providers.filter((p) => p.tags.some((t) => tags.includes(t)));
    const kept = matching.length > 0 ? matching : providers.filter((p) => p.tags.length === 0);
    if (explain && kept.length !== providers.length) {
      for (const p of providers) {
        if (kept.includes(p)) continue;
        explain(
          p,
          p.tags.length === 0
            ? `untagged, and providers tagged [${tags.join(', ')}] exist`
            : `tagged [${p.tags.join(', ')}], the call wants [${tags.join(', ')}]`,
        );
      }
    }
    return kept;
  }
}

import type { ProviderInstance } from '@stages/registry';
import type { CallInfo } from '../balancing/balancer.js';
import type { ExplainSink, ProviderFilter } from './filter.js';
import { ListMemo } from './memo.js';

/** Keeps providers this client has a transport for (a `grpc-idl` provider is useless to a grpc-only client). */
export class ProtocolFilter implements ProviderFilter {
  readonly name = 'protocol';

  readonly #memo = new ListMemo();

  constructor(readonly protocols: ReadonlySet<string>) {}

  filter(providers: readonly ProviderInstance[], _call: CallInfo, explain?: ExplainSink): readonly ProviderInstance[] {
    if (!explain) return this.#memo.get(providers) ?? this.#memo.set(providers, this.#keep(providers));
    for (const p of providers) {
      if (!this.protocols.has(p.protocol)) {
        explain(p, `protocol ${p.protocol} has no transport here (have: ${[...this.protocols].join(', ')})`);
      }
    }
    return this.#keep(providers);
  }

  #keep(providers: readonly ProviderInstance[]): readonly ProviderInstance[] {
    if (providers.every((p) => this.protocols.has(p.protocol))) return providers;
    return providers.filter((p) => this.protocols.has(p.protocol));
  }
}

import type { ProviderInstance } from '@stages/registry';
import type { CallInfo } from '../balancing/balancer.js';
import type { ExplainSink, ProviderFilter } from './filter.js';

/** Keeps providers this client has a transport for (a `grpc-idl` provider is useless to a grpc-only client). */
export class ProtocolFilter implements ProviderFilter {
  readonly name = 'protocol';

  constructor(readonly protocols: ReadonlySet<string>) {}

  filter(providers: readonly ProviderInstance[], _call: CallInfo, explain?: ExplainSink): readonly ProviderInstance[] {
    if (providers.every((p) => this.protocols.has(p.protocol))) return providers;
    if (explain) {
      for (const p of providers) {
        if (!this.protocols.has(p.protocol)) {
          explain(p, `protocol ${p.protocol} has no transport here (have: ${[...this.protocols].join(', ')})`);
        }
      }
    }
    return providers.filter((p) => this.protocols.has(p.protocol));
  }
}

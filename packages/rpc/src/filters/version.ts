import { StagesError } from '@stages/common';
import type { ProviderInstance } from '@stages/registry';
import type { CallInfo } from '../balancing/balancer.js';
import type { ExplainSink, ProviderFilter } from './filter.js';
import { ListMemo } from './memo.js';
import { parseRange, type SemverRange } from './semver-range.js';

/** Keeps providers whose version satisfies the consumer's semver range (`^2.1.0`, `1.x`, `*`). */
export class VersionFilter implements ProviderFilter {
  readonly name = 'version';
  readonly #range: SemverRange | undefined;
  readonly #cache = new Map<string, boolean>();
  readonly #memo = new ListMemo();

  constructor(range = '*') {
    const trimmed = range.trim();
    if (trimmed === '' || trimmed === '*') return;
    const parsed = parseRange(trimmed);
    if (!parsed) {
      throw new StagesError('CONFIG_INVALID', `version: "${range}" is not a semver range`, {
        details: { field: 'version', value: range },
      });
    }
    this.#range = parsed;
  }

  filter(providers: readonly ProviderInstance[], _call: CallInfo, explain?: ExplainSink): readonly ProviderInstance[] {
    const range = this.#range;
    if (!range) return providers;
    if (!explain) {
      const known = this.#memo.get(providers);
      if (known !== undefined) return known;
    }
    const kept = this.#memo.set(
      providers,
      providers.filter((p) => this.#matches(range, p.version)),
    );
    if (explain && kept.length !== providers.length) {
      for (const p of providers) {
        if (!this.#matches(range, p.version)) explain(p, `version ${p.version} does not satisfy ${range.raw}`);
      }
    }
    return kept;
  }

  #matches(range: SemverRange, version: string): boolean {
    // Versions repeat across providers and calls: remember each answer (bounded by distinct versions seen).
    let ok = this.#cache.get(version);
    if (ok === undefined) {
      ok = range.test(version);
      if (this.#cache.size < 1_000) this.#cache.set(version, ok);
    }
    return ok;
  }
}

import type { ProviderInstance } from '@stages/registry';
import type { Balancer } from './balancer.js';
import { effectiveWeight } from './weight.js';

export interface LeastActiveOptions {
  warmupMs?: number;
  random?: () => number;
}

/**
 * Sends the call to the provider with the fewest calls in flight from this client: a slow or overloaded
 * provider accumulates in-flight calls and so gets fewer new ones. Ties go to the heavier provider, and
 * among equal weights to a random one (not the first, or provider 0 would take every idle-time call).
 */
export class LeastActiveBalancer implements Balancer {
  readonly name = 'least-active';
  readonly #active = new Map<string, number>();
  readonly #warmupMs: number | undefined;
  readonly #random: () => number;

  constructor(options: LeastActiveOptions = {}) {
    this.#warmupMs = options.warmupMs;
    this.#random = options.random ?? Math.random;
  }

  pick(providers: readonly ProviderInstance[]): ProviderInstance | undefined {
    if (providers.length === 0) return undefined;
    const now = Date.now();
    let least = Number.POSITIVE_INFINITY;
    let bestWeight = -1;
    let ties = 0;
    let chosen: ProviderInstance | undefined;
    for (const p of providers) {
      const active = this.#active.get(p.id) ?? 0;
      const weight = effectiveWeight(p, now, this.#warmupMs);
      if (active < least || (active === least && weight > bestWeight)) {
        least = active;
        bestWeight = weight;
        chosen = p;
        ties = 1;
      } else if (active === least && weight === bestWeight) {
        // Reservoir sampling over the ties: each tied provider ends up chosen with equal probability.
        ties++;
        if (this.#random() * ties < 1) chosen = p;
      }
    }
    if (chosen) this.#active.set(chosen.id, least + 1);
    return chosen;
  }

  observe(provider: ProviderInstance): void {
    const n = (this.#active.get(provider.id) ?? 1) - 1;
    if (n <= 0) this.#active.delete(provider.id);
    else this.#active.set(provider.id, n);
  }

  /** In-flight calls this balancer counts for a provider (for tests and diagnostics). */
  active(providerId: string): number {
    return this.#active.get(providerId) ?? 0;
  }

  forget(providerId: string): void {
    this.#active.delete(providerId);
  }
}

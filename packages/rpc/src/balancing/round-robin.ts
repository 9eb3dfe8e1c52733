import type { ProviderInstance } from '@stages/registry';
import type { Balancer } from './balancer.js';
import { effectiveWeight } from './weight.js';

export interface RoundRobinOptions {
  warmupMs?: number;
}

/**
 * Smooth weighted round-robin (nginx): every pick adds each provider's weight to its running score, takes the
 * highest, and subtracts the total from the winner. Weights 5:1:1 give a a b a c a a rather than a a a a a b c,
 * so a heavy provider never gets a burst.
 */
export class RoundRobinBalancer implements Balancer {
  readonly name = 'round-robin';
  readonly #current = new Map<string, number>();
  readonly #warmupMs: number | undefined;

  constructor(options: RoundRobinOptions = {}) {
    this.#warmupMs = options.warmupMs;
  }

  pick(providers: readonly ProviderInstance[]): ProviderInstance | undefined {
    if (providers.length <= 1) return providers[0];
    const now = Date.now();
    let total = 0;
    let best: ProviderInstance | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const p of providers) {
      // All-zero weights would starve everyone: treat zero as one so the list still rotates.
      const w = effectiveWeight(p, now, this.#warmupMs) || 1;
      const score = (this.#current.get(p.id) ?? 0) + w;
      this.#current.set(p.id, score);
      total += w;
      if (score > bestScore) {
        bestScore = score;
        best = p;
      }
    }
    if (best) this.#current.set(best.id, bestScore - total);
    return best;
  }

  forget(providerId: string): void {
    this.#current.delete(providerId);
  }
}

import type { ProviderInstance } from '@stages/registry';
import type { Balancer } from './balancer.js';
import { effectiveWeight } from './weight.js';

export interface WeightedRandomOptions {
  warmupMs?: number;
  /** Injectable for tests; returns [0, 1). */
  random?: () => number;
}

/** Picks each provider with probability proportional to its effective weight. Stateless, so safe everywhere. */
export class WeightedRandomBalancer implements Balancer {
  readonly name = 'random';
  readonly #warmupMs: number | undefined;
  readonly #random: () => number;

  constructor(options: WeightedRandomOptions = {}) {
    this.#warmupMs = options.warmupMs;
    this.#random = options.random ?? Math.random;
  }

  pick(providers: readonly ProviderInstance[]): ProviderInstance | undefined {
    if (providers.length <= 1) return providers[0];
    const now = Date.now();
    let total = 0;
    let same = true;
    const weights = new Array<number>(providers.length);
    for (let i = 0; i < providers.length; i++) {
      const w = effectiveWeight(providers[i]!, now, this.#warmupMs);
      weights[i] = w;
      total += w;
      if (i > 0 && w !== weights[0]) same = false;
    }
    // Equal weights (the common case) need no walk; all-zero weights mean "no preference", not "none".
    if (same || total <= 0) return providers[Math.floor(this.#random() * providers.length)];
    let point = this.#random() * total;
    for (let i = 0; i < providers.length; i++) {
      point -= weights[i]!;
      if (point < 0) return providers[i];
    }
    return providers[providers.length - 1];
  }
}

import type { ProviderInstance } from '@stages/registry';
import type { Balancer, CallOutcome } from './balancer.js';
import { effectiveWeight } from './weight.js';

export interface LatencyAwareOptions {
  /** Time constant of the moving average: an observation this old counts about 37% as much. Default 10 s. */
  decayMs?: number;
  /** Latency charged for a failed call, so an erroring provider looks slow rather than fast. Default 1000 ms. */
  failurePenaltyMs?: number;
  warmupMs?: number;
  random?: () => number;
  now?: () => number;
}

interface Stats {
  ewmaMs: number;
  lastMs: number;
  inFlight: number;
}

/**
 * Power of two choices over a peak-sensitive EWMA of response times (Finagle's "P2C + peak EWMA"): pick two
 * providers at random and send to the cheaper, cost = ewma * (inFlight + 1) / weight. Comparing two random
 * ones instead of taking the global best keeps a crowd of clients from stampeding onto the same provider,
 * and still moves load off a slow one within a few calls. A sample above the average replaces it outright
 * (peak), so a provider that just turned slow is avoided at once; the average then decays over `decayMs` of
 * silence, so a provider that was slow once is tried again later instead of being shunned forever.
 */
export class LatencyAwareBalancer implements Balancer {
  readonly name = 'latency-aware';
  readonly #stats = new Map<string, Stats>();
  readonly #decayMs: number;
  readonly #penaltyMs: number;
  readonly #warmupMs: number | undefined;
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(options: LatencyAwareOptions = {}) {
    this.#decayMs = options.decayMs ?? 10_000;
    this.#penaltyMs = options.failurePenaltyMs ?? 1_000;
    this.#warmupMs = options.warmupMs;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  pick(providers: readonly ProviderInstance[]): ProviderInstance | undefined {
    if (providers.length === 0) return undefined;
    let chosen: ProviderInstance;
    if (providers.length === 1) chosen = providers[0]!;
    else {
      const i = Math.floor(this.#random() * providers.length);
      let j = Math.floor(this.#random() * (providers.length - 1));
      if (j >= i) j++;
      const a = providers[i]!;
      const b = providers[j]!;
      const now = this.#now();
      chosen = this.cost(a, now) <= this.cost(b, now) ? a : b;
    }
    const s = this.#statsOf(chosen.id);
    s.inFlight++;
    return chosen;
  }

  observe(provider: ProviderInstance, outcome: CallOutcome): void {
    const s = this.#statsOf(provider.id);
    if (s.inFlight > 0) s.inFlight--;
    const now = this.#now();
    const sample = outcome.ok ? outcome.durationMs : Math.max(outcome.durationMs, this.#penaltyMs);
    const current = this.#decayed(s, now);
    if (sample > current) s.ewmaMs = sample;
    else {
      const w = Math.exp(-Math.max(now - s.lastMs, 0) / this.#decayMs);
      // With back-to-back samples w is ~1; give each new sample at least a small say.
      const keep = Math.min(w, 0.9);
      s.ewmaMs = current * keep + sample * (1 - keep);
    }
    s.lastMs = now;
  }

  /** The score P2C compares; lower wins. Exposed for tests and diagnostics. */
  cost(provider: ProviderInstance, now = this.#now()): number {
    const s = this.#stats.get(provider.id);
    const weight = effectiveWeight(provider, now, this.#warmupMs) || 1;
    // An unmeasured provider costs 0 so it gets probed; in-flight calls still count against it.
    const latency = s ? this.#decayed(s, now) : 0;
    // Weight 100 is "normal": a normal provider's cost reads as milliseconds.
    return ((latency + 1) * ((s?.inFlight ?? 0) + 1) * 100) / weight;
  }

  forget(providerId: string): void {
    this.#stats.delete(providerId);
  }

  #decayed(s: Stats, now: number): number {
    return s.ewmaMs * Math.exp(-Math.max(now - s.lastMs, 0) / this.#decayMs);
  }

  #statsOf(id: string): Stats {
    let s = this.#stats.get(id);
    if (!s) {
      s = { ewmaMs: 0, lastMs: this.#now(), inFlight: 0 };
      this.#stats.set(id, s);
    }
    return s;
  }
}

import { EventEmitter } from 'node:events';
import { createLogger, meter } from '@stages/common';
import type { ProviderInstance } from '@stages/registry';
import type { BreakerView } from '../filters/breaker.js';
import type { BreakerFactory, BreakerState, ProviderBreaker } from './breaker.js';

export interface BreakerEvent {
  readonly service: string;
  readonly providerId: string;
  readonly address: string;
  readonly state: BreakerState;
}

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
const log = createLogger('rpc.breaker');
const stateGauge = meter('rpc').createObservableGauge('stages.rpc.client.breaker.state', {
  description: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open',
});
const transitions = meter('rpc').createCounter('stages.rpc.client.breaker.transitions', {
  description: 'Circuit breaker state changes',
});
const liveSets = new Set<BreakerSet>();
stateGauge.addCallback((result) => {
  for (const set of liveSets) {
    for (const [id, b] of set.entries()) {
      result.observe(STATE_VALUE[b.state], { 'rpc.service': set.service, 'stages.provider': id });
    }
  }
});

/**
 * One breaker per provider of one service, created on first use. Emits `state` events (BreakerEvent) and
 * reports every breaker's state as a gauge, so an open breaker shows on a dashboard, not only in a log.
 */
export class BreakerSet extends EventEmitter<{ state: [BreakerEvent] }> implements BreakerView {
  readonly #breakers = new Map<string, ProviderBreaker>();
  readonly #openedAt = new Map<string, number>();

  constructor(
    readonly service: string,
    readonly factory: BreakerFactory,
  ) {
    super();
    liveSets.add(this);
  }

  get(provider: ProviderInstance): ProviderBreaker {
    let b = this.#breakers.get(provider.id);
    if (!b) {
      const address = `${provider.host}:${provider.port}`;
      b = this.factory.create(`${this.service}@${address}`, (state) => {
        if (state === 'open') this.#openedAt.set(provider.id, Date.now());
        else if (state === 'closed') this.#openedAt.delete(provider.id);
        transitions.add(1, { 'rpc.service': this.service, state });
        log.warn({ service: this.service, provider: provider.id, address, state }, 'circuit breaker %s', state);
        this.emit('state', { service: this.service, providerId: provider.id, address, state });
      });
      this.#breakers.set(provider.id, b);
    }
    return b;
  }

  allows(provider: ProviderInstance): boolean {
    const b = this.#breakers.get(provider.id);
    return b === undefined || b.allows();
  }

  describe(provider: ProviderInstance): string {
    const b = this.#breakers.get(provider.id);
    if (!b) return 'circuit breaker closed';
    if (b.state === 'half-open') return 'circuit breaker half-open, its one probe call is in flight';
    const since = this.#openedAt.get(provider.id);
    return since === undefined ? `circuit breaker ${b.state}` : `circuit breaker open for ${Date.now() - since} ms`;
  }

  stateOf(providerId: string): BreakerState {
    return this.#breakers.get(providerId)?.state ?? 'closed';
  }

  entries(): IterableIterator<[string, ProviderBreaker]> {
    return this.#breakers.entries();
  }

  /** The provider left the registry: its breaker's history no longer means anything. */
  forget(providerId: string): void {
    this.#breakers.get(providerId)?.shutdown();
    this.#breakers.delete(providerId);
    this.#openedAt.delete(providerId);
  }

  close(): void {
    for (const id of [...this.#breakers.keys()]) this.forget(id);
    liveSets.delete(this);
    this.removeAllListeners();
  }
}

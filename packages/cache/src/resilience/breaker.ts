import { createLogger } from '@stages/common';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. Default 3. */
  failureThreshold?: number;
  /** How long it stays open before one trial call is let through. Default 1,000 ms. */
  resetMs?: number;
  onStateChange?: (state: BreakerState) => void;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Guards level 2. Deliberately tiny instead of opossum: it must guard many different Redis commands (GET, SET,
 * DEL, PUBLISH, lock, Bloom) as one dependency, and `allow()` runs on every level-2 access, so it is a field
 * read and a clock read; opossum wraps one function per breaker and starts a timer and emits events per call.
 * Timeouts come from ioredis' commandTimeout, so the breaker only counts outcomes.
 */
export class Breaker {
  readonly #threshold: number;
  readonly #resetMs: number;
  readonly #onChange: ((state: BreakerState) => void) | undefined;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;
  readonly #log = createLogger('cache.breaker');

  constructor(options: BreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 3;
    this.#resetMs = options.resetMs ?? 1_000;
    this.#onChange = options.onStateChange;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** May a call go to level 2 now? In half-open, exactly one trial call is allowed at a time. */
  allow(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open') {
      if (Date.now() - this.#openedAt < this.#resetMs) return false;
      this.#set('half-open');
    }
    if (this.#trialInFlight) return false;
    this.#trialInFlight = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
    if (this.#state !== 'closed') this.#set('closed');
  }

  failure(error: unknown): void {
    this.#trialInFlight = false;
    this.#failures++;
    if (this.#state === 'half-open' || (this.#state === 'closed' && this.#failures >= this.#threshold)) {
      this.#openedAt = Date.now();
      if (this.#state === 'closed') {
        this.#log.warn(
          { err: error instanceof Error ? error.message : String(error), resetMs: this.#resetMs },
          'level-2 cache unavailable: serving from the loader until it answers again',
        );
      }
      this.#set('open');
    }
  }

  #set(state: BreakerState): void {
    if (state === this.#state) return;
    this.#state = state;
    if (state === 'closed') this.#log.info('level-2 cache answers again: using it');
    this.#onChange?.(state);
  }
}

import { StagesError } from '@stages/common';
import CircuitBreaker from 'opossum';
import type { BreakerFactory, BreakerOptions, BreakerState, ProviderBreaker } from './breaker.js';
import { isHealthFailure } from './health-failure.js';

type Thunk = () => Promise<unknown>;

/** A ProviderBreaker on opossum: rolling-window error rate, open / half-open / closed. */
export class OpossumBreaker implements ProviderBreaker {
  readonly #cb: CircuitBreaker<[Thunk], unknown>;
  readonly #maxConsecutive: number;
  #consecutive = 0;
  /** No bulkhead and no breaker timeout: a closed breaker cannot refuse or time out a call itself. */
  readonly #plain: boolean;

  constructor(
    readonly name: string,
    options: BreakerOptions,
    onState: (state: BreakerState) => void,
  ) {
    this.#maxConsecutive = options.consecutiveFailures ?? 5;
    this.#plain = options.maxConcurrent === undefined && !options.timeoutMs;
    this.#cb = new CircuitBreaker<[Thunk], unknown>((fn: Thunk) => fn(), {
      name,
      timeout: options.timeoutMs ?? false,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      volumeThreshold: options.volumeThreshold ?? 10,
      resetTimeout: options.resetTimeoutMs ?? 10_000,
      rollingCountTimeout: options.rollingWindowMs ?? 10_000,
      rollingCountBuckets: options.rollingBuckets ?? 10,
      rollingPercentilesEnabled: false,
      ...(options.maxConcurrent === undefined ? {} : { capacity: options.maxConcurrent }),
      enableSnapshots: false,
      // errorFilter returning true means "not a failure": business errors pass through without counting.
      // A full bulkhead (ESEMLOCKED) is this client's limit, not the provider's health.
      errorFilter: (error: unknown) => (error as { code?: unknown }).code === 'ESEMLOCKED' || !isHealthFailure(error),
    });
    // Every outcome is counted from opossum's events, so run() needs no promise of its own. opossum reports an
    // error its errorFilter passes (a business error, a full bulkhead) as a success, and a timeout as a failure.
    this.#cb.on('success', (value: unknown) => {
      // A full bulkhead refused the call here: it says nothing about the provider either way.
      if ((value as { code?: unknown } | undefined)?.code !== 'ESEMLOCKED') this.#consecutive = 0;
    });
    this.#cb.on('failure', () => this.#countFailure());
    this.#cb.on('open', () => onState('open'));
    this.#cb.on('halfOpen', () => onState('half-open'));
    this.#cb.on('close', () => onState('closed'));
  }

  get state(): BreakerState {
    return this.#cb.opened ? 'open' : this.#cb.halfOpen ? 'half-open' : 'closed';
  }

  allows(): boolean {
    // Half-open admits exactly one probe: opossum clears pendingClose when it lets that one through.
    return this.#cb.closed || this.#cb.pendingClose;
  }

  /**
   * Not an async function, and while the breaker is closed not even a `.then`: one call already passes through
   * opossum's own promise chain, and every layer around it costs a promise and a microtask on the hottest path
   * there is. Failures are counted from opossum's events instead; only opossum's own refusals (open, bulkhead
   * full, breaker timeout) need turning into StagesErrors, and a closed breaker without a bulkhead or a timeout
   * raises none of them.
   */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const fired = this.#cb.fire(fn) as Promise<T>;
    return this.#plain && this.#cb.closed ? fired : fired.catch(this.#failed);
  }

  readonly #failed = (error: unknown): never => {
    const code = (error as { code?: unknown }).code;
    if (!StagesError.is(error)) {
      if (code === 'EOPENBREAKER') {
        throw new StagesError('CIRCUIT_OPEN', `${this.name}: circuit breaker is ${this.state}`, {
          details: { breaker: this.name, state: this.state, sent: false },
        });
      }
      if (code === 'ESEMLOCKED') {
        throw new StagesError('RESOURCE_EXHAUSTED', `${this.name}: client bulkhead full`, {
          details: { breaker: this.name, bulkhead: true, sent: false },
        });
      }
      if (code === 'ETIMEDOUT') {
        throw new StagesError('DEADLINE_EXCEEDED', `${this.name}: breaker timeout`, {
          details: { breaker: this.name },
        });
      }
    }
    throw error;
  };

  shutdown(): void {
    this.#cb.shutdown();
  }

  /** A failure opossum counted (its errorFilter let through only health failures and its own timeouts). */
  #countFailure(): void {
    this.#consecutive++;
    if (this.#maxConsecutive > 0 && this.#consecutive >= this.#maxConsecutive && this.#cb.closed) {
      this.#consecutive = 0;
      this.#cb.open();
    }
  }
}

export class OpossumBreakerFactory implements BreakerFactory {
  readonly name = 'opossum';
  constructor(readonly options: BreakerOptions = {}) {}

  create(name: string, onState: (state: BreakerState) => void): ProviderBreaker {
    return new OpossumBreaker(name, this.options, onState);
  }
}

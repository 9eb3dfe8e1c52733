import { EventEmitter } from 'node:events';
import { StagesError } from '@stages/common';
import CircuitBreaker from 'opossum';
import type { BreakerFactory, BreakerOptions, BreakerState, ProviderBreaker } from './breaker.js';
import { isHealthFailure } from './health-failure.js';

type Thunk = () => Promise<unknown>;

/** A latency list that drops what opossum pushes (see #forgetLatencies); it is only read for percentiles. */
const KEEP_NOTHING = { push: () => 0, length: 0 } as unknown as number[];
/** The arguments the `fire` and `failure` events carry: run() passes opossum no arguments of its own. */
const NO_ARGS: unknown[] = [];

/** errorFilter returning true means "not a failure": business errors pass through without counting. */
function notAFailure(error: unknown): boolean {
  // A full bulkhead (ESEMLOCKED) is this client's limit, not the provider's health.
  return (error as { code?: unknown } | null)?.code === 'ESEMLOCKED' || !isHealthFailure(error);
}

/** A ProviderBreaker on opossum: rolling-window error rate, open / half-open / closed. */
export class OpossumBreaker implements ProviderBreaker {
  readonly #cb: CircuitBreaker<[Thunk], unknown>;
  readonly #maxConsecutive: number;
  #consecutive = 0;
  /** No bulkhead and no breaker timeout: a closed breaker cannot refuse or time out a call itself. */
  readonly #plain: boolean;
  readonly #clock = new EventEmitter();
  readonly #rotation: NodeJS.Timeout;
  readonly #errorThreshold: number;
  readonly #errorFilter = notAFailure;

  constructor(
    readonly name: string,
    options: BreakerOptions,
    onState: (state: BreakerState) => void,
  ) {
    this.#maxConsecutive = options.consecutiveFailures ?? 5;
    this.#plain = options.maxConcurrent === undefined && !options.timeoutMs;
    const rollingWindowMs = options.rollingWindowMs ?? 10_000;
    const rollingBuckets = options.rollingBuckets ?? 10;
    this.#errorThreshold = options.errorThresholdPercentage ?? 50;
    this.#cb = new CircuitBreaker<[Thunk], unknown>((fn: Thunk) => fn(), {
      name,
      rotateBucketController: this.#clock,
      timeout: options.timeoutMs ?? false,
      errorThresholdPercentage: this.#errorThreshold,
      volumeThreshold: options.volumeThreshold ?? 10,
      resetTimeout: options.resetTimeoutMs ?? 10_000,
      rollingCountTimeout: rollingWindowMs,
      rollingCountBuckets: rollingBuckets,
      rollingPercentilesEnabled: false,
      ...(options.maxConcurrent === undefined ? {} : { capacity: options.maxConcurrent }),
      enableSnapshots: false,
      errorFilter: notAFailure,
    });
    // Every outcome is counted from opossum's events (run()'s closed path emits the same ones). opossum reports an
    // error its errorFilter passes (a business error, a full bulkhead) as a success, and a timeout as a failure.
    this.#cb.on('success', (value: unknown) => {
      // A full bulkhead refused the call here: it says nothing about the provider either way.
      if ((value as { code?: unknown } | undefined)?.code !== 'ESEMLOCKED') this.#consecutive = 0;
    });
    this.#cb.on('failure', () => this.#countFailure());
    // opossum's window rotates on our clock, so that each fresh bucket can be told not to keep latencies.
    this.#forgetLatencies();
    this.#rotation = setInterval(
      () => {
        this.#clock.emit('rotate');
        this.#forgetLatencies();
      },
      Math.floor(rollingWindowMs / rollingBuckets),
    );
    this.#rotation.unref();
    this.#cb.on('open', () => onState('open'));
    this.#cb.on('halfOpen', () => onState('half-open'));
    this.#cb.on('close', () => onState('closed'));
  }

  get state(): BreakerState {
    return this.#cb.opened ? 'open' : this.#cb.halfOpen ? 'half-open' : 'closed';
  }

  /** Calls, successes and failures in the rolling window, as opossum counts them. */
  get counts(): { fires: number; successes: number; failures: number } {
    const { fires, successes, failures } = this.#cb.stats;
    return { fires, successes, failures };
  }

  allows(): boolean {
    // Half-open admits exactly one probe: opossum clears pendingClose when it lets that one through.
    return this.#cb.closed || this.#cb.pendingClose;
  }

  /**
   * A closed breaker without a bulkhead or a breaker timeout cannot refuse or time out a call: all opossum does
   * for it is count it in its rolling window and, on a failure, decide whether the error rate opens the circuit.
   * run() does exactly that itself, through opossum's public surface: it emits the `fire`, `success` and
   * `failure` events opossum's window counts (so `stats` and every listener see what `fire()` would have made
   * them see) and applies opossum's rule for opening (volume threshold, then error percentage). What it saves is
   * opossum's own promise chain around the call (a new promise, a `.then` and a `.catch`, and a semaphore):
   * about 1.6 us of 44 at concurrency 1 (bench/rpc/latency.ts, pinned). Open, half-open, a bulkhead or a timeout
   * go through `fire()` as before.
   */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const cb = this.#cb;
    if (this.#plain && cb.closed && !cb.isShutdown) {
      cb.emit('fire', NO_ARGS);
      return fn().then(this.#succeeded as (value: T) => T, this.#failedClosed);
    }
    return (cb.fire(fn) as Promise<T>).catch(this.#failed);
  }

  readonly #succeeded = (value: unknown): unknown => {
    this.#cb.emit('success', value, 0);
    return value;
  };

  /** opossum's handling of an error from a closed breaker's call: filtered errors count as successes. */
  readonly #failedClosed = (error: unknown): never => {
    const cb = this.#cb;
    if (this.#errorFilter(error)) {
      cb.emit('success', error, 0);
      throw error;
    }
    cb.emit('failure', error, 0, NO_ARGS);
    // opossum's rule (its fail()): below the volume threshold nothing opens; above it, the error rate decides.
    if (!cb.warmUp && cb.closed) {
      const stats = cb.stats;
      if (stats.fires >= cb.volumeThreshold && (stats.failures / stats.fires) * 100 > this.#errorThreshold) cb.open();
    }
    throw error;
  };

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
    clearInterval(this.#rotation);
    this.#cb.shutdown();
  }

  /**
   * opossum 9 pushes every call's latency into the current bucket of its window even with rolling percentiles
   * off, where nothing ever reads them: at 150k calls/s that is 1.5 million numbers held per breaker over a 10 s
   * window, and their growth and old-generation GC cost a busy client about a sixth of its CPU. Each bucket's
   * list is swapped for one that keeps nothing, when opossum creates it.
   */
  #forgetLatencies(): void {
    for (const bucket of this.#cb.status.window) {
      if (bucket.latencyTimes !== KEEP_NOTHING) bucket.latencyTimes = KEEP_NOTHING;
    }
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

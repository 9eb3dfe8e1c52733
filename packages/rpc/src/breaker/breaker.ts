export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Guards calls to one provider of one service. While open it refuses calls without trying (they fail with
 * CIRCUIT_OPEN); after a while it lets one probe through (half-open) and closes again if the probe succeeds.
 */
export interface ProviderBreaker {
  readonly state: BreakerState;
  /** Whether a call may go now: closed, or half-open with no probe in flight. Cheap: checked on every call. */
  allows(): boolean;
  /** Runs fn through the breaker; rejects with CIRCUIT_OPEN without running it when the breaker refuses. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Stops timers; the breaker is not used again. */
  shutdown(): void;
}

export interface BreakerOptions {
  /** Error rate (percent of calls in the window) above which the breaker opens. Default 50. */
  errorThresholdPercentage?: number;
  /** Calls needed in the window before the error rate counts, so two early errors do not open it. Default 10. */
  volumeThreshold?: number;
  /**
   * Opens at once after this many provider failures in a row, whatever the window's error rate. A busy client
   * has thousands of recent successes in its window, so a provider that just died (connection refused) would
   * otherwise take thousands of failed calls to reach 50%. Default 5; 0 disables.
   */
  consecutiveFailures?: number;
  /**
   * Client-side bulkhead: calls this client may have in flight to one provider. One more is refused at once with
   * RESOURCE_EXHAUSTED (never sent; failover takes it elsewhere), so one slow provider cannot tie up every
   * pending call of the process. Default unlimited.
   */
  maxConcurrent?: number;
  /** How long it stays open before letting a probe through. Default 10 000 ms. */
  resetTimeoutMs?: number;
  /** Width of the rolling window the error rate is computed over. Default 10 000 ms. */
  rollingWindowMs?: number;
  /** Buckets the window is split into (it slides one bucket at a time). Default 10. */
  rollingBuckets?: number;
  /**
   * A call slower than this counts as a failure (and is given up on by the breaker). Default off: the call's
   * deadline already bounds it, and its DEADLINE_EXCEEDED counts as a failure.
   */
  timeoutMs?: number;
}

/** Creates one breaker; `onState` is told about every transition. */
export interface BreakerFactory {
  readonly name: string;
  create(name: string, onState: (state: BreakerState) => void): ProviderBreaker;
}

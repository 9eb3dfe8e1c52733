export interface RetryBudgetOptions {
  /** Retries earned per successful call: 0.2 lets retries add at most ~20% load on top of normal traffic. */
  ratio?: number;
  /** Retries always allowed per second even with no successes (so a quiet client can still fail over). */
  minPerSecond?: number;
  /** Most retries saved up for a burst. */
  maxTokens?: number;
  now?: () => number;
}

/**
 * A token bucket shared by every call of one client. Per-call retry limits alone multiply load during an
 * outage (three attempts per call is 3x traffic on providers that are already struggling); a budget bounds the
 * retries to a fraction of the successful calls, plus a small reserve.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #minPerSecond: number;
  readonly #max: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(options: RetryBudgetOptions = {}) {
    this.#ratio = options.ratio ?? 0.2;
    this.#minPerSecond = options.minPerSecond ?? 10;
    this.#max = options.maxTokens ?? 100;
    this.#now = options.now ?? Date.now;
    this.#tokens = this.#minPerSecond;
    this.#last = this.#now();
  }

  /** A call succeeded. */
  deposit(): void {
    this.#tokens = Math.min(this.#max, this.#tokens + this.#ratio);
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryWithdraw(): boolean {
    const now = this.#now();
    const elapsed = (now - this.#last) / 1000;
    this.#last = now;
    if (elapsed > 0) {
      // The reserve refills with time, but only up to minPerSecond: earned tokens above it are kept as they are.
      const floor = Math.max(this.#tokens, Math.min(this.#minPerSecond, this.#tokens + elapsed * this.#minPerSecond));
      this.#tokens = Math.min(this.#max, floor);
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  get tokens(): number {
    return this.#tokens;
  }
}

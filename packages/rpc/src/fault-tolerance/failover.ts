import { StagesError } from '@stages/common';
import type { ProviderInstance } from '@stages/registry';
import type { Attempts, FaultTolerance } from './mode.js';

export interface FailoverOptions {
  /** Attempts after the first, each on a provider not tried yet. Default 2. */
  retries?: number;
}

/**
 * On a retryable failure, tries another provider, up to `retries` more times, within the call's deadline and
 * the client's retry budget. Only idempotent methods are retried: a timeout on a `createOrder` may mean the
 * order was created, and trying again elsewhere would create it twice. The exception is a call refused in this
 * process (open breaker, full client bulkhead): it never left, so any method may go elsewhere.
 */
export class FailoverMode implements FaultTolerance {
  readonly name = 'failover';
  readonly retries: number;

  constructor(options: FailoverOptions = {}) {
    this.retries = Math.max(0, options.retries ?? 2);
  }

  /**
   * The first attempt is a plain promise chain, not an async function: nearly every call succeeds at once, and
   * this runs on every call. Only a failure enters the retry loop.
   */
  execute(attempts: Attempts): Promise<unknown> {
    let provider: ProviderInstance | undefined;
    try {
      provider = attempts.select();
    } catch (error) {
      return Promise.reject(error);
    }
    if (provider === undefined) {
      return Promise.reject(new StagesError('NO_PROVIDER', `${attempts.service}.${attempts.method}: no provider`));
    }
    const first = provider;
    return attempts.invoke(first).catch((error: unknown) => this.#retry(attempts, first, error));
  }

  async #retry(attempts: Attempts, failed: ProviderInstance, firstError: unknown): Promise<unknown> {
    const tried = new Set<string>();
    let provider = failed;
    let error = firstError;
    for (let attempt = 0; ; attempt++) {
      if (attempt >= this.retries || !this.#mayRetry(error, attempts)) throw error;
      tried.add(provider.id);
      const next = this.#next(attempts, tried);
      if (next === undefined || !attempts.retryBudget.tryWithdraw()) throw error;
      attempts.retrying(provider, error);
      provider = next;
      try {
        return await attempts.invoke(provider);
      } catch (e) {
        error = e;
      }
    }
  }

  #mayRetry(error: unknown, attempts: Attempts): boolean {
    if (!StagesError.is(error) || !error.retryable) return false;
    if (Date.now() >= attempts.deadline) return false;
    // `sent: false`: refused in this process (open breaker, full bulkhead), so even a non-idempotent call is safe.
    return attempts.idempotent || error.code === 'CIRCUIT_OPEN' || error.details?.sent === false;
  }

  #next(attempts: Attempts, tried: ReadonlySet<string>): ProviderInstance | undefined {
    try {
      return attempts.select(tried);
    } catch {
      // The filters left nothing now (say the other breakers just opened): the first error is the useful one.
      return undefined;
    }
  }
}

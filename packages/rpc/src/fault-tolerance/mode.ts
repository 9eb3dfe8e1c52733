import type { ProviderInstance } from '@stages/registry';
import type { RetryBudget } from './retry-budget.js';

/**
 * What the client hands a fault-tolerance mode for one call. The mode decides how many providers to try and
 * in what order; the client does everything else (filters, balancer, breaker, deadline, metrics).
 */
export interface Attempts {
  readonly service: string;
  readonly method: string;
  /** Safe to run twice: only then may a mode retry on another provider or fire at several at once. */
  readonly idempotent: boolean;
  /** Absolute deadline (epoch ms) shared by every attempt: retries never extend a call. */
  readonly deadline: number;
  readonly retryBudget: RetryBudget;
  /**
   * Chooses a provider with the balancer, skipping `exclude`d ids. Throws NO_PROVIDER or CIRCUIT_OPEN (with the
   * "why no provider" details) when the filters leave nothing; returns undefined when something was left but
   * every one of them is excluded.
   */
  select(exclude?: ReadonlySet<string>): ProviderInstance | undefined;
  /** Every provider the call may reach (the filters without preferences such as zone and tags). */
  all(): readonly ProviderInstance[];
  /** One attempt on one provider, through its breaker, with the call's deadline and the given signal. */
  invoke(provider: ProviderInstance, signal?: AbortSignal): Promise<unknown>;
  /** Tells metrics and logs that an attempt failed and another follows. */
  retrying(provider: ProviderInstance, error: unknown): void;
}

/** How a call reacts to failure: failover, failfast, failsafe, forking/hedged, broadcast. */
export interface FaultTolerance {
  readonly name: string;
  execute(attempts: Attempts): Promise<unknown>;
}

import type { ProviderInstance } from '@stages/registry';

/** What a balancer (and a filter) may look at for one call. */
export interface CallInfo {
  readonly service: string;
  readonly method: string;
  readonly payload: unknown;
  /** Routing tags of the call (from its options or the incoming call context). */
  readonly tags: readonly string[];
  /** Key for consistent hashing, taken from the request by the method's `hashKey`; undefined when none. */
  readonly hashKey?: string;
}

export interface CallOutcome {
  readonly ok: boolean;
  readonly durationMs: number;
}

/**
 * Chooses one provider for one call. Runs on every call: keep it synchronous and cheap;
 * anything slow (latency bookkeeping) belongs in `observe`.
 *
 * Contract: the client calls `observe` exactly once for every provider that `pick` returned and that was then
 * invoked, so a balancer may count in-flight calls by incrementing in `pick` and decrementing in `observe`.
 * `pick` is only called with a non-empty list; `undefined` means "none of these" and is reported as NO_PROVIDER.
 */
export interface Balancer {
  readonly name: string;
  pick(providers: readonly ProviderInstance[], call: CallInfo): ProviderInstance | undefined;
  observe?(provider: ProviderInstance, outcome: CallOutcome): void;
  /** The provider left the registry: drop whatever is kept for it. */
  forget?(providerId: string): void;
}

import { type PluginSpec, StagesError } from '@stages/common';
import type { Registry } from '@stages/registry';
import type { Balancer } from '../balancing/balancer.js';
import type { BreakerFactory, BreakerOptions } from '../breaker/breaker.js';
import type { FaultTolerance } from '../fault-tolerance/mode.js';
import type { RetryBudgetOptions } from '../fault-tolerance/retry-budget.js';
import type { ProviderFilter } from '../filters/filter.js';
import type { ClientTransport } from '../transport/transport.js';

export interface MethodOptions {
  /** Safe to run twice: failover may retry it elsewhere and forking may fire it at several providers. */
  idempotent?: boolean;
  timeoutMs?: number;
  /** Consistent-hash key: a field name of the request (`'userId'`) or a function of it. */
  hashKey?: string | ((payload: unknown) => unknown);
  /**
   * Runs instead of failing when no provider could serve the call (every breaker open, no provider, provider
   * unavailable or too slow); not for business errors such as INVALID_ARGUMENT or NOT_FOUND.
   */
  fallback?: (payload: unknown, error: StagesError) => unknown;
  /** Overrides the client's mode for this method (e.g. broadcast for `refreshCache`). */
  faultTolerance?: PluginSpec<FaultTolerance>;
}

export interface ServiceClientOptions {
  /** The referenced service's name, as providers register it. */
  service: string;
  registry: Registry;
  /** One transport per protocol providers may use; keyed by `transport.protocol`. */
  transports: readonly ClientTransport[];
  /** Semver range of acceptable provider versions. Default `*`. */
  version?: string;
  /** Provider group to use; `''` (default group) by default, `'*'` for any. */
  group?: string;
  /** The consumer's zone; calls stay in it while it has a healthy provider. */
  zone?: string;
  /** Tags put on every call from this client (the call context's tags come on top). */
  tags?: readonly string[];
  /** Who is calling, sent as `stages-caller` (the call context's caller wins). */
  caller?: string;
  /** Default `'random'` (weighted random). */
  balancer?: PluginSpec<Balancer>;
  /** Default `'failover'`. */
  faultTolerance?: PluginSpec<FaultTolerance>;
  /** Failover retries when `faultTolerance` is given by name. Default 2. */
  retries?: number;
  retryBudget?: RetryBudgetOptions;
  /** Default `'opossum'` with `breakerOptions`; `'none'` disables breakers. */
  breaker?: PluginSpec<BreakerFactory, BreakerOptions>;
  breakerOptions?: BreakerOptions;
  /** Deadline for calls that give none and whose method declares none. Default 5000 ms. */
  timeoutMs?: number;
  methods?: Readonly<Record<string, MethodOptions>>;
  /** Extra routing rules, run after the built-in filters. */
  filters?: readonly ProviderFilter[];
}

/** Per-call options. */
export interface CallOptions {
  timeoutMs?: number;
  /** Adds to the client's and the context's tags. */
  tags?: readonly string[];
  /** Overrides the method's hashKey for this call. */
  hashKey?: string;
  signal?: AbortSignal;
  /** Extra metadata (string values) to send. */
  metadata?: Readonly<Record<string, string>>;
}

const fail = (field: string, message: string, value?: unknown) =>
  new StagesError('CONFIG_INVALID', `ServiceClient ${field}: ${message}`, {
    details: { field, ...(value === undefined ? {} : { value: String(value) }) },
  });

const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** Checks every field once, at construction, with a message naming the field; returns a frozen copy. */
export function validateOptions(options: ServiceClientOptions): Readonly<ServiceClientOptions> {
  if (typeof options !== 'object' || options === null) throw fail('options', 'expected an object');
  if (typeof options.service !== 'string' || options.service === '') throw fail('service', 'required', options.service);
  const r = options.registry as Partial<Registry> | undefined;
  if (!r || typeof r.subscribe !== 'function') throw fail('registry', 'expected a Registry (with subscribe)');
  if (!Array.isArray(options.transports) || options.transports.length === 0) {
    throw fail('transports', 'expected at least one ClientTransport');
  }
  for (const t of options.transports) {
    if (!t || typeof t.invoke !== 'function' || typeof t.protocol !== 'string') {
      throw fail('transports', 'every entry must be a ClientTransport with protocol and invoke()');
    }
  }
  if (options.version !== undefined && typeof options.version !== 'string') throw fail('version', 'expected a string');
  if (options.group !== undefined && typeof options.group !== 'string') throw fail('group', 'expected a string');
  if (options.zone !== undefined && typeof options.zone !== 'string') throw fail('zone', 'expected a string');
  if (
    options.tags !== undefined &&
    !(Array.isArray(options.tags) && options.tags.every((t) => typeof t === 'string'))
  ) {
    throw fail('tags', 'expected an array of strings');
  }
  if (options.timeoutMs !== undefined && !positive(options.timeoutMs))
    throw fail('timeoutMs', 'expected ms > 0', options.timeoutMs);
  if (options.retries !== undefined && !(Number.isInteger(options.retries) && options.retries >= 0)) {
    throw fail('retries', 'expected an integer >= 0', options.retries);
  }
  for (const [key, value] of Object.entries(options.breakerOptions ?? {})) {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw fail(`breakerOptions.${key}`, 'expected a number >= 0', value);
    }
  }
  for (const [name, m] of Object.entries(options.methods ?? {})) {
    if (m.timeoutMs !== undefined && !positive(m.timeoutMs)) {
      throw fail(`methods.${name}.timeoutMs`, 'expected ms > 0', m.timeoutMs);
    }
    if (m.hashKey !== undefined && typeof m.hashKey !== 'string' && typeof m.hashKey !== 'function') {
      throw fail(`methods.${name}.hashKey`, 'expected a field name or a function');
    }
    if (m.fallback !== undefined && typeof m.fallback !== 'function') {
      throw fail(`methods.${name}.fallback`, 'expected a function');
    }
  }
  return Object.freeze({ ...options });
}

import { performance } from 'node:perf_hooks';
import { type Attributes, type Span, SpanKind, type SpanOptions } from '@opentelemetry/api';
import {
  type CallContext,
  createLogger,
  currentContext,
  minDeadline,
  type PluginSpec,
  recordError,
  StagesError,
  tracer,
} from '@stages/common';
import type { ProviderInstance } from '@stages/registry';
import type { Balancer, CallInfo } from '../balancing/balancer.js';
import { balancers } from '../balancing/resolve.js';
import type { BreakerFactory } from '../breaker/breaker.js';
import { BreakerSet } from '../breaker/breaker-set.js';
import { isHealthFailure } from '../breaker/health-failure.js';
import { breakerFactories } from '../breaker/resolve.js';
import type { Attempts, FaultTolerance } from '../fault-tolerance/mode.js';
import { faultTolerances } from '../fault-tolerance/resolve.js';
import { RetryBudget } from '../fault-tolerance/retry-budget.js';
import { BreakerFilter } from '../filters/breaker.js';
import { applyFilters, type ProviderFilter, type RemovedProvider } from '../filters/filter.js';
import { GroupFilter } from '../filters/group.js';
import { ProtocolFilter } from '../filters/protocol.js';
import { TagFilter } from '../filters/tags.js';
import { VersionFilter } from '../filters/version.js';
import { ZoneFilter } from '../filters/zone.js';
import type { ClientTransport, OutgoingCall } from '../transport/transport.js';
import { mergeTags, outgoingMetadata } from './metadata.js';
import { CallCounts, clientMetrics, trackCalls, untrackCalls } from './metrics.js';
import { noProviderError } from './no-provider.js';
import type { CallOptions, MethodOptions, ServiceClientOptions } from './options.js';
import { validateOptions } from './options.js';
import { ProviderPool } from './provider-pool.js';
import { createProxy, type ServiceProxy } from './proxy.js';

const DEFAULT_TIMEOUT_MS = 5_000;
const NO_METHOD: MethodOptions = Object.freeze({});
const trace = tracer('rpc');
const log = createLogger('rpc.client');

/** What `explain()` reports: the providers a call would see and why each other one is excluded. */
export interface Explanation {
  readonly known: number;
  readonly stale: boolean;
  readonly delivered: boolean;
  readonly usable: readonly string[];
  readonly removed: readonly RemovedProvider[];
}

/**
 * The client side of one referenced service: every call goes filter providers -> balance -> invoke through
 * the provider's breaker with a deadline -> fault-tolerance mode. Keeps the provider list current from the
 * registry. Create one per referenced service and reuse it: balancer and breaker state live here.
 */
export class ServiceClient {
  readonly service: string;
  readonly #options: Readonly<ServiceClientOptions>;
  readonly #transports = new Map<string, ClientTransport>();
  readonly #balancer: Balancer;
  readonly #mode: FaultTolerance;
  readonly #methodModes = new Map<string, FaultTolerance>();
  readonly #breakers: BreakerSet;
  readonly #filters: readonly ProviderFilter[];
  readonly #requiredFilters: readonly ProviderFilter[];
  readonly #pool: ProviderPool;
  readonly #budget: RetryBudget;
  readonly #timeoutMs: number;
  readonly #attrs = new Map<string, MethodAttributes>();
  #closed = false;

  constructor(options: ServiceClientOptions) {
    const o = validateOptions(options);
    this.#options = o;
    this.service = o.service;
    for (const t of o.transports) this.#transports.set(t.protocol, t);
    this.#balancer = balancers.resolve(o.balancer ?? 'random');
    this.#mode = resolveMode(o.faultTolerance, o.retries);
    for (const [name, m] of Object.entries(o.methods ?? {})) {
      if (m.faultTolerance !== undefined) this.#methodModes.set(name, resolveMode(m.faultTolerance, o.retries));
    }
    const factory: BreakerFactory =
      typeof o.breaker === 'string' || o.breaker === undefined
        ? breakerFactories.resolve({ type: o.breaker ?? 'opossum', options: o.breakerOptions ?? {} })
        : breakerFactories.resolve(o.breaker);
    this.#breakers = new BreakerSet(o.service, factory);
    // Order matters: the breaker filter runs before zone and tags, so "local zone has a healthy provider"
    // and "a canary exists" both mean one that can take calls now.
    this.#filters = [
      new ProtocolFilter(new Set(this.#transports.keys())),
      new VersionFilter(o.version ?? '*'),
      new GroupFilter(o.group ?? ''),
      new BreakerFilter(this.#breakers),
      new TagFilter(),
      new ZoneFilter(o.zone),
      ...(o.filters ?? []),
    ];
    // Broadcast reaches every matching provider: preferences do not narrow it, and an open breaker is not
    // skipped silently but refuses (CIRCUIT_OPEN), so the broadcast's error names the provider it missed.
    this.#requiredFilters = this.#filters.filter((f) => !f.preference && f.name !== 'breaker');
    this.#budget = new RetryBudget(o.retryBudget);
    this.#timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#pool = new ProviderPool(o.registry, o.service, (p) => this.#release(p));
    this.#pool.start();
  }

  /** The providers the registry last delivered (before filtering). */
  get providers(): readonly ProviderInstance[] {
    return this.#pool.providers;
  }

  /** True while the registry serves its last known list because it cannot reach its store. */
  get stale(): boolean {
    return this.#pool.stale;
  }

  /** Breaker state changes: `client.breakers.on('state', (e) => ...)`. */
  get breakers(): BreakerSet {
    return this.#breakers;
  }

  get retryBudget(): RetryBudget {
    return this.#budget;
  }

  /** Resolves once the registry delivered its first list (or after timeoutMs). */
  ready(timeoutMs = this.#timeoutMs): Promise<void> {
    return this.#pool.waitReady(Date.now() + timeoutMs);
  }

  /** Typed proxy: `client.proxy<CatalogApi>().getProduct({ id })`. */
  proxy<T>(): ServiceProxy<T> {
    return createProxy<T>((method, payload, options) => this.call(method, payload, options));
  }

  /** Which providers a call to `method` with these tags would see now, and why every other one would not. */
  explain(method: string, options: { tags?: readonly string[] } = {}): Explanation {
    const call = this.#callInfo(method, undefined, NO_METHOD, mergeTags(this.#options.tags, options.tags), undefined);
    const removed: RemovedProvider[] = [];
    const usable = applyFilters(this.#filters, this.#pool.providers, call, removed);
    return {
      known: this.#pool.providers.length,
      stale: this.#pool.stale,
      delivered: this.#pool.delivered,
      usable: usable.map((p) => p.id),
      removed,
    };
  }

  /**
   * One call: filters, balancer, breaker, deadline, fault-tolerance mode, span and metrics. Written as a promise
   * chain rather than an async function: it runs on every call, and each async layer costs a promise and a
   * resumption (measured in bench/rpc-cluster/client-overhead.ts).
   */
  call<T = unknown>(method: string, payload: unknown, options: CallOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new StagesError('UNAVAILABLE', `client for ${this.service} is closed`));
    const m = this.#options.methods?.[method] ?? NO_METHOD;
    const ctx = currentContext();
    const now = Date.now();
    // The call's own timeout, cut to what is left of the call being served: a chain never outlives its first caller.
    const deadline = minDeadline(now + (options.timeoutMs ?? m.timeoutMs ?? this.#timeoutMs), ctx?.deadline)!;
    if (!this.#pool.delivered) {
      return this.#pool
        .waitReady(deadline)
        .then(() => this.#start<T>(method, payload, options, m, ctx, deadline, Date.now()));
    }
    return this.#start<T>(method, payload, options, m, ctx, deadline, now);
  }

  #start<T>(
    method: string,
    payload: unknown,
    options: CallOptions,
    m: MethodOptions,
    ctx: CallContext | undefined,
    deadline: number,
    now: number,
  ): Promise<T> {
    const tags = mergeTags(this.#options.tags, ctx?.tags, options.tags);
    const call = this.#callInfo(method, payload, m, tags, options.hashKey);
    const attrs = this.#attributesOf(method);
    const t0 = performance.now();
    // Not an *active* span: nothing below needs it as the current context except the metadata, which gets it
    // explicitly; skipping context.with and one more async layer is measurable on the hot path.
    const span = trace.startSpan(attrs.spanName, attrs.spanOptions);
    let running: Promise<unknown>;
    try {
      if (deadline <= now) {
        throw new StagesError(
          'DEADLINE_EXCEEDED',
          `${this.service}.${method}: no time left before the call (the caller's deadline has passed)`,
          { details: { deadline } },
        );
      }
      const metadata = outgoingMetadata(span, ctx, options.metadata, ctx?.caller ?? this.#options.caller, tags);
      const mode = this.#methodModes.get(method) ?? this.#mode;
      running = mode.execute(new CallAttempts(this, call, m.idempotent === true, deadline, metadata, options.signal));
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.then(
      (result) => {
        this.#budget.deposit();
        attrs.calls.ok++;
        clientMetrics.duration.record(performance.now() - t0, attrs.base);
        span.end();
        return result as T;
      },
      (error: unknown) => this.#failed<T>(error, method, payload, m, attrs, span, t0),
    );
  }

  /** A call failed: its fallback answers when one is declared and applies; otherwise the error is the answer. */
  async #failed<T>(
    error: unknown,
    method: string,
    payload: unknown,
    m: MethodOptions,
    attrs: MethodAttributes,
    span: Span,
    t0: number,
  ): Promise<T> {
    try {
      // Errors the cluster raises are StagesErrors already; anything else came out of a transport.
      const e = StagesError.from(error, `${this.service}.${method}: transport failed`);
      if (m.fallback && fallbackApplies(e)) {
        clientMetrics.fallbacks.add(1, { ...attrs.base, code: e.code });
        span.setAttribute('stages.fallback', e.code);
        log.debug({ service: this.service, method, code: e.code }, 'fallback answers the call');
        return (await m.fallback(payload, e)) as T;
      }
      recordError(span, e);
      const failed = { ...attrs.base, code: e.code };
      attrs.calls.fail(e.code);
      clientMetrics.errors.add(1, failed);
      throw e;
    } finally {
      clientMetrics.duration.record(performance.now() - t0, attrs.base);
      span.end();
    }
  }

  /** Stops following the registry and shuts the breakers down. Transports belong to the caller: not closed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#pool.close();
    this.#breakers.close();
    for (const a of this.#attrs.values()) untrackCalls(a.calls);
  }

  #callInfo(method: string, payload: unknown, m: MethodOptions, tags: readonly string[], hashKey?: string): CallInfo {
    const key = hashKey ?? keyOf(m.hashKey, payload);
    return key === undefined
      ? { service: this.service, method, payload, tags }
      : { service: this.service, method, payload, tags, hashKey: key };
  }

  /** @internal for CallAttempts */
  selectFor(call: CallInfo, exclude: ReadonlySet<string> | undefined): ProviderInstance | undefined {
    return this.#select(call, exclude);
  }

  /** @internal for CallAttempts */
  allFor(call: CallInfo): readonly ProviderInstance[] {
    return applyFilters(this.#requiredFilters, this.#pool.providers, call);
  }

  /** @internal for CallAttempts */
  invokeOn(provider: ProviderInstance, outgoing: OutgoingCall): Promise<unknown> {
    return this.#invoke(provider, outgoing);
  }

  #attributesOf(method: string): MethodAttributes {
    let a = this.#attrs.get(method);
    if (!a) {
      // Built once per method: attribute objects on every call are garbage the hot path does not need.
      const base = { 'rpc.system': 'stages', 'rpc.service': this.service, 'rpc.method': method };
      a = {
        base,
        calls: trackCalls(new CallCounts(base)),
        spanName: `${this.service}/${method}`,
        spanOptions: { kind: SpanKind.CLIENT, attributes: base },
      };
      this.#attrs.set(method, a);
    }
    return a;
  }

  #select(call: CallInfo, exclude: ReadonlySet<string> | undefined): ProviderInstance | undefined {
    const all = this.#pool.providers;
    // Tried providers leave before the filters run, so the zone and tag preferences see them as gone: a
    // failover from the last local provider crosses zones instead of finding nothing.
    const base = exclude && exclude.size > 0 ? all.filter((p) => !exclude.has(p.id)) : all;
    const usable = applyFilters(this.#filters, base, call);
    if (usable.length === 0) {
      if (base !== all && applyFilters(this.#filters, all, call).length > 0) return undefined;
      throw this.#noProvider(call);
    }
    const chosen = this.#balancer.pick(usable, call);
    if (!chosen) throw this.#noProvider(call, `balancer ${this.#balancer.name} chose none of ${usable.length}`);
    return chosen;
  }

  #invoke(provider: ProviderInstance, outgoing: OutgoingCall): Promise<unknown> {
    // The protocol filter ran first, so a transport exists.
    const transport = this.#transports.get(provider.protocol)!;
    const breaker = this.#breakers.get(provider);
    const balancer = this.#balancer;
    // Random and round-robin never look at durations: their calls skip the clock and one more promise.
    if (balancer.observe === undefined) return breaker.run(() => transport.invoke(provider, outgoing));
    const t0 = performance.now();
    const running = breaker.run(() => transport.invoke(provider, outgoing));
    return running.then(
      (value) => {
        balancer.observe?.(provider, { ok: true, durationMs: performance.now() - t0 });
        return value;
      },
      (error: unknown) => {
        balancer.observe?.(provider, { ok: !isHealthFailure(error), durationMs: performance.now() - t0 });
        throw error;
      },
    );
  }

  #noProvider(call: CallInfo, extra?: string): StagesError {
    const removed: RemovedProvider[] = [];
    applyFilters(this.#filters, this.#pool.providers, call, removed);
    const o = this.#options;
    const error = noProviderError({
      service: this.service,
      method: call.method,
      known: this.#pool.providers,
      removed,
      stale: this.#pool.stale,
      delivered: this.#pool.delivered,
      wanted: {
        version: o.version ?? '*',
        group: o.group ?? '',
        tags: call.tags,
        ...(o.zone === undefined ? {} : { zone: o.zone }),
      },
    });
    if (extra) error.message += ` (${extra})`;
    return error;
  }

  #release(provider: ProviderInstance): void {
    this.#breakers.forget(provider.id);
    this.#balancer.forget?.(provider.id);
    this.#transports.get(provider.protocol)?.release?.(provider);
  }
}

interface MethodAttributes {
  readonly base: Attributes;
  readonly calls: CallCounts;
  readonly spanName: string;
  readonly spanOptions: SpanOptions;
}

/** One call's view for its fault-tolerance mode; a class, not a literal of closures, to keep the hot path lean. */
class CallAttempts implements Attempts {
  readonly service: string;
  readonly method: string;
  readonly retryBudget: RetryBudget;

  constructor(
    readonly client: ServiceClient,
    readonly call: CallInfo,
    readonly idempotent: boolean,
    readonly deadline: number,
    readonly metadata: Readonly<Record<string, string>>,
    readonly signal: AbortSignal | undefined,
  ) {
    this.service = client.service;
    this.method = call.method;
    this.retryBudget = client.retryBudget;
  }

  select(exclude?: ReadonlySet<string>): ProviderInstance | undefined {
    return this.client.selectFor(this.call, exclude);
  }

  all(): readonly ProviderInstance[] {
    return this.client.allFor(this.call);
  }

  invoke(provider: ProviderInstance, forkSignal?: AbortSignal): Promise<unknown> {
    const s = this.signal && forkSignal ? AbortSignal.any([this.signal, forkSignal]) : (forkSignal ?? this.signal);
    const outgoing: OutgoingCall =
      s === undefined
        ? {
            service: this.service,
            method: this.method,
            payload: this.call.payload,
            deadline: this.deadline,
            metadata: this.metadata,
          }
        : {
            service: this.service,
            method: this.method,
            payload: this.call.payload,
            deadline: this.deadline,
            metadata: this.metadata,
            signal: s,
          };
    return this.client.invokeOn(provider, outgoing);
  }

  retrying(provider: ProviderInstance, error: unknown): void {
    const code = StagesError.is(error) ? error.code : 'INTERNAL';
    clientMetrics.retries.add(1, { 'rpc.service': this.service, 'rpc.method': this.method, code });
    log.debug({ service: this.service, method: this.method, provider: provider.id, code }, 'retrying elsewhere');
  }
}

function resolveMode(spec: PluginSpec<FaultTolerance> | undefined, retries: number | undefined): FaultTolerance {
  if (spec === undefined || spec === 'failover')
    return faultTolerances.resolve({ type: 'failover', options: { retries } });
  return faultTolerances.resolve(spec);
}

/** A fallback answers when no provider could: not for the caller's own errors or a cancelled call. */
function fallbackApplies(e: StagesError): boolean {
  if (e.code === 'CANCELLED') return false;
  return (
    isHealthFailure(e) ||
    e.code === 'CIRCUIT_OPEN' ||
    e.code === 'NO_PROVIDER' ||
    e.code === 'RESOURCE_EXHAUSTED' ||
    e.code === 'RATE_LIMITED'
  );
}

function keyOf(spec: MethodOptions['hashKey'], payload: unknown): string | undefined {
  if (spec === undefined) return undefined;
  const value =
    typeof spec === 'function'
      ? spec(payload)
      : typeof payload === 'object' && payload !== null
        ? (payload as Record<string, unknown>)[spec]
        : undefined;
  return value === undefined || value === null ? undefined : String(value);
}

import {
  type Attributes,
  context as otelContext,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import {
  type CallContext,
  createLogger,
  type MethodDescriptor,
  recordError,
  runWithContext,
  type ServiceDescriptor,
  StagesError,
  tracer,
} from '@stages/common';
import type { CallCancellation } from './cancellation.js';
import { InFlightTracker } from './in-flight.js';
import { CALLER_KEY, parseTags, TAGS_KEY } from './incoming-metadata.js';
import { PipelineMetrics } from './pipeline-metrics.js';

/** One call as a transport hands it to the pipeline, whatever carried it (gRPC stream, unary, in-process). */
export interface IncomingCall {
  readonly service: string;
  readonly method: string;
  readonly payload: unknown;
  /** Absolute deadline, epoch ms; undefined when the caller set none. */
  readonly deadline?: number | undefined;
  /** String metadata as received: traceparent/tracestate, stages-caller, stages-tags, ... */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Where serve() delivers a call's outcome: an error (a StagesError safe to send), or undefined and the result. */
export type ServeDone = (error: StagesError | undefined, result?: unknown) => void;

/** Counters a bulkhead keeps; one per service and one per method. */
interface Bulkhead {
  active: number;
  readonly max: number;
}

interface MethodEntry {
  readonly service: ServiceDescriptor;
  readonly descriptor: MethodDescriptor;
  readonly fn: (request: unknown) => unknown;
  readonly serviceBulkhead: Bulkhead;
  readonly bulkhead: Bulkhead;
  readonly spanName: string;
  readonly attributes: Attributes;
  calls: number;
}

const log = createLogger('rpc.server');

/**
 * Where a handler finds its call's cancellation in `currentContext().state`, to stop long work the caller no
 * longer waits for: `(currentContext()?.state.get(CANCELLATION_KEY) as CallCancellation | undefined)?.cancelled`.
 */
export const CANCELLATION_KEY: unique symbol = Symbol.for('stages.rpc.cancellation');
const EMPTY_METADATA: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The one server-side chain every transport runs a call through, so a call served in-process behaves exactly as
 * one served over gRPC: method lookup, input validation, deadline, bulkheads, call context, span, metrics and
 * error sanitising. It runs on every call, so the lookup is two Map gets and nothing is allocated per call that
 * telemetry does not need.
 */
export class ServerPipeline {
  readonly #services = new Map<string, Map<string, MethodEntry>>();
  readonly #descriptors = new Map<string, ServiceDescriptor>();
  readonly #inFlight = new InFlightTracker();
  readonly #metrics = new PipelineMetrics();
  readonly #tracer = tracer('rpc');

  /** Serves a descriptor. Exposing a service again replaces it (a redeploy in the same process). */
  expose(service: ServiceDescriptor): void {
    const serviceBulkhead: Bulkhead = { active: 0, max: service.maxConcurrency ?? Number.POSITIVE_INFINITY };
    const methods = new Map<string, MethodEntry>();
    const previous = this.#services.get(service.name);
    for (const descriptor of service.methods) {
      const fn = (service.handler as Record<string, unknown>)[descriptor.name];
      if (typeof fn !== 'function') {
        throw new StagesError('CONFIG_INVALID', `service ${service.name}: handler has no method ${descriptor.name}`);
      }
      const old = previous?.get(descriptor.name);
      const entry: MethodEntry = {
        service,
        descriptor,
        fn: (fn as (request: unknown) => unknown).bind(service.handler),
        serviceBulkhead,
        bulkhead: { active: 0, max: descriptor.maxConcurrency ?? Number.POSITIVE_INFINITY },
        spanName: `${service.name}/${descriptor.name}`,
        attributes: Object.freeze({
          'rpc.system': 'stages',
          'rpc.service': service.name,
          'rpc.method': descriptor.name,
        }),
        // Carried over on re-expose: `calls` is a monotonic counter.
        calls: old?.calls ?? 0,
      };
      methods.set(descriptor.name, entry);
      this.#metrics.track(entry, old);
    }
    for (const [name, old] of previous ?? []) if (!methods.has(name)) this.#metrics.untrack(old);
    this.#services.set(service.name, methods);
    this.#descriptors.set(service.name, service);
  }

  services(): readonly ServiceDescriptor[] {
    return [...this.#descriptors.values()];
  }

  service(name: string): ServiceDescriptor | undefined {
    return this.#descriptors.get(name);
  }

  /** Calls whose handler is still running (a handler past its deadline still counts: it still holds resources). */
  inFlight(): number {
    return this.#inFlight.count;
  }

  whenIdle(timeoutMs: number): Promise<boolean> {
    return this.#inFlight.whenIdle(timeoutMs);
  }

  /**
   * Runs one call. Resolves to the handler's result; rejects with a StagesError only, whose message is safe to
   * send to the caller (a non-Stages error becomes INTERNAL 'internal error' and is logged here, with its stack).
   */
  handle(call: IncomingCall, cancellation?: CallCancellation): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.serve(call, cancellation, (error, result) => (error === undefined ? resolve(result) : reject(error))),
    );
  }

  /**
   * handle() for transports on the hot path: the outcome goes to `done`, which a synchronous handler's answer
   * reaches before serve() returns, so the transport can write it in the same turn, with no promise or microtask
   * in between (at concurrency 1 each costs a measurable part of a call). `done` is called exactly once.
   *
   * Written without async/await: on Node 20 the call context's AsyncLocalStorage puts hooks on every promise, so
   * an asynchronous handler costs one promise here beyond its own.
   */
  serve(call: IncomingCall, cancellation: CallCancellation | undefined, done: ServeDone): void {
    const entry = this.#services.get(call.service)?.get(call.method);
    if (entry === undefined) {
      done(this.#unimplemented(call));
      return;
    }
    const started = performance.now();
    entry.calls++;
    const metadata = call.metadata ?? EMPTY_METADATA;
    const parent = metadata.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, metadata);
    const span = this.#tracer.startSpan(
      entry.spanName,
      { kind: SpanKind.SERVER, attributes: entry.attributes, startTime: started + performance.timeOrigin },
      parent,
    );
    let result: unknown;
    let remaining = Number.POSITIVE_INFINITY;
    let acquired = false;
    try {
      // A missing or infinite deadline (no timeout anywhere up the chain) means none.
      const deadline = call.deadline !== undefined && Number.isFinite(call.deadline) ? call.deadline : undefined;
      if (deadline !== undefined) {
        remaining = deadline - Date.now();
        if (remaining <= 0) throw new StagesError('DEADLINE_EXCEEDED', `deadline expired before ${entry.spanName} ran`);
      }
      if (cancellation?.cancelled) throw new StagesError('CANCELLED', 'cancelled by the caller');
      const request = this.#validate(entry, call.payload);
      this.#acquire(entry);
      acquired = true;
      result = this.#invoke(entry, request, cancellation, metadata, deadline, parent, span);
    } catch (thrown) {
      if (acquired) this.#release(entry);
      done(this.#fail(entry, span, started, thrown));
      return;
    }
    if (!isPromiseLike(result)) {
      this.#release(entry);
      this.#finish(entry, span, started);
      done(undefined, result);
      return;
    }
    let settled = false;
    const timer =
      remaining === Number.POSITIVE_INFINITY
        ? undefined
        : setTimeout(() => {
            if (settled) return;
            settled = true;
            const error = new StagesError('DEADLINE_EXCEEDED', `${entry.spanName} did not finish before its deadline`);
            done(this.#fail(entry, span, started, error));
          }, remaining);
    cancellation?.onCancel((error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(this.#fail(entry, span, started, error));
    });
    // The slot is held until the handler really ends, even when the caller has stopped waiting: it is still
    // using what the bulkhead protects, and drain must wait for it.
    result.then(
      (value) => {
        this.#release(entry);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#finish(entry, span, started);
        done(undefined, value);
      },
      (thrown: unknown) => {
        this.#release(entry);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        done(this.#fail(entry, span, started, thrown));
      },
    );
  }

  #validate(entry: MethodEntry, payload: unknown): unknown {
    const schema = entry.descriptor.input;
    if (schema === undefined) return payload;
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw invalidArgument(entry, parsed.error.issues ?? []);
    return parsed.data;
  }

  /** Bulkheads: the service-wide one and the method's own; both are checked before either is taken. */
  #acquire(entry: MethodEntry): void {
    const { serviceBulkhead, bulkhead } = entry;
    if (serviceBulkhead.active >= serviceBulkhead.max || bulkhead.active >= bulkhead.max) {
      this.#metrics.bulkheadRejections.add(1, entry.attributes);
      const which = bulkhead.active >= bulkhead.max ? `method ${entry.spanName}` : `service ${entry.service.name}`;
      throw new StagesError('RESOURCE_EXHAUSTED', `${which} is at its concurrency limit`, {
        details: { limit: bulkhead.active >= bulkhead.max ? bulkhead.max : serviceBulkhead.max },
      });
    }
    serviceBulkhead.active++;
    bulkhead.active++;
    this.#inFlight.enter();
  }

  #release(entry: MethodEntry): void {
    entry.serviceBulkhead.active--;
    entry.bulkhead.active--;
    this.#inFlight.leave();
  }

  /** Ends the span and records a call that succeeded. */
  #finish(entry: MethodEntry, span: Span, started: number): void {
    span.end();
    this.#metrics.duration.record(performance.now() - started, entry.attributes);
  }

  /** Records a failed call and returns the sanitised error to send. */
  #fail(entry: MethodEntry, span: Span, started: number, thrown: unknown): StagesError {
    const error = this.#sanitise(thrown, entry);
    this.#metrics.error(entry.attributes, error.code);
    recordError(span, error);
    this.#finish(entry, span, started);
    return error;
  }

  #invoke(
    entry: MethodEntry,
    request: unknown,
    cancellation: CallCancellation | undefined,
    metadata: Readonly<Record<string, string>>,
    deadline: number | undefined,
    parent: typeof ROOT_CONTEXT,
    span: Span,
  ): unknown {
    // The whole context built here, once: runWithContext takes it as it is when no call context is active yet
    // (the usual case for a call off the wire), instead of merging it into a second object.
    const ctx: MutableContext = { metadata, tags: parseTags(metadata[TAGS_KEY]), state: new Map() };
    if (deadline !== undefined) ctx.deadline = deadline;
    const caller = metadata[CALLER_KEY];
    if (caller !== undefined) ctx.caller = caller;
    if (cancellation !== undefined) ctx.state.set(CANCELLATION_KEY, cancellation);
    const run = () => runWithContext(ctx, () => entry.fn(request));
    // Without an SDK the span records nothing; making it active then only matters when there is a trace to pass on.
    if (!span.isRecording() && parent === ROOT_CONTEXT) return run();
    return otelContext.with(trace.setSpan(parent, span), run);
  }

  #sanitise(thrown: unknown, entry: MethodEntry): StagesError {
    if (StagesError.is(thrown)) return thrown;
    log.error({ err: thrown, service: entry.service.name, method: entry.descriptor.name }, 'handler failed');
    return StagesError.from(thrown);
  }

  #unimplemented(call: IncomingCall): StagesError {
    const known = this.#services.get(call.service);
    const message = known
      ? `service ${call.service} has no method ${String(call.method)}`
      : `no service ${String(call.service)} here`;
    this.#metrics.error({ 'rpc.system': 'stages', 'rpc.service': String(call.service) }, 'UNIMPLEMENTED');
    return new StagesError('UNIMPLEMENTED', message);
  }
}

type MutableContext = { -readonly [K in keyof CallContext]: CallContext[K] };

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function invalidArgument(
  entry: MethodEntry,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): StagesError {
  const fields = issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const summary = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  return new StagesError('INVALID_ARGUMENT', `invalid input for ${entry.spanName}: ${summary || 'rejected'}`, {
    details: { fields },
  });
}

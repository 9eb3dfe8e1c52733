import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What flows with a call: from an incoming request into every outgoing call, cache and data access made
 * while serving it. Immutable: derive a child with `withContext` rather than mutating.
 */
export interface CallContext {
  /** Absolute deadline, epoch milliseconds. Downstream calls get what remains of it. */
  readonly deadline?: number;
  /** W3C trace context (`traceparent`, `tracestate`) and any other propagated string metadata. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Who is calling: a user or service id taken from a verified token. */
  readonly caller?: string;
  /** Routing tags, e.g. `canary`: a tagged call prefers providers with the same tag. */
  readonly tags: readonly string[];
  /** Mutable per-call scratch shared by the layers serving one call (e.g. read-your-writes positions). */
  readonly state: Map<string | symbol, unknown>;
}

const storage = new AsyncLocalStorage<CallContext>();

const EMPTY: CallContext = Object.freeze({ metadata: Object.freeze({}), tags: Object.freeze([]), state: new Map() });

export function currentContext(): CallContext | undefined {
  return storage.getStore();
}

/** Runs fn inside ctx, filling in what ctx leaves out from the current context. */
export function runWithContext<T>(ctx: Partial<CallContext>, fn: () => T): T {
  const current = storage.getStore();
  // Nothing to inherit and nothing left out: ctx is the context as it is (a server call off the wire, per call).
  if (current === undefined && ctx.metadata !== undefined && ctx.tags !== undefined && ctx.state !== undefined) {
    return storage.run(ctx as CallContext, fn);
  }
  const parent = current ?? EMPTY;
  const deadline = minDeadline(parent.deadline, ctx.deadline);
  const next: CallContext = {
    metadata: ctx.metadata ?? parent.metadata,
    tags: ctx.tags ?? parent.tags,
    state: ctx.state ?? new Map(),
    ...(deadline === undefined ? {} : { deadline }),
    ...((ctx.caller ?? parent.caller) === undefined ? {} : { caller: (ctx.caller ?? parent.caller) as string }),
  };
  return storage.run(next, fn);
}

/** Milliseconds left before the current call's deadline, or undefined when there is none. */
export function remainingMs(now = Date.now()): number | undefined {
  const deadline = storage.getStore()?.deadline;
  return deadline === undefined ? undefined : deadline - now;
}

/** The earlier of two deadlines: a child call never outlives its parent. */
export function minDeadline(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

import { SpanKind } from '@opentelemetry/api';
import { runWithContext, StagesError, tracer, withSpan } from '@stages/common';
import type { EventBus } from '../events/event-bus.js';
import type { ServiceCaller } from '../gateway/service-callers.js';
import type { CompiledEndpoint, CompiledRoute, CompiledStep } from './compiled-route.js';
import type { Exchange } from './schema.js';

const t = tracer('esb');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ExecutorDeps {
  caller(service: string): ServiceCaller;
  readonly bus: EventBus | undefined;
}

export interface RouteResult {
  /** One result per exchange that reached the endpoints (none when filtered out, several after a split). */
  readonly results: unknown[];
  readonly split: boolean;
}

/**
 * Runs one exchange through a route: steps, then each `to` endpoint in order, the answer of one becoming the
 * body of the next (so `service` then `topic` publishes what the service returned). Every step and endpoint is a
 * span under the route's span; service calls and publishes carry the trace on.
 */
export async function execute(route: CompiledRoute, exchange: Exchange, deps: ExecutorDeps): Promise<RouteResult> {
  const { timeoutMs } = route.definition;
  const deadline = Date.now() + timeoutMs;
  return withSpan(t, `esb.route ${route.id}`, { 'stages.route': route.id }, () =>
    runWithContext({ deadline }, async () => {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StagesError('DEADLINE_EXCEEDED', `route ${route.id} took longer than ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([run(route, exchange, deps), expired]);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

async function run(route: CompiledRoute, exchange: Exchange, deps: ExecutorDeps): Promise<RouteResult> {
  const state = { split: false };
  const exchanges = await runSteps(route.steps, [exchange], deps, state);
  const results: unknown[] = [];
  for (const ex of exchanges) {
    for (const endpoint of route.to) ex.body = await withRetries(route, endpoint, () => invoke(endpoint, ex, deps));
    results.push(ex.body);
  }
  return { results, split: state.split };
}

async function runSteps(
  steps: readonly CompiledStep[],
  input: Exchange[],
  deps: ExecutorDeps,
  state: { split: boolean },
): Promise<Exchange[]> {
  let current = input;
  for (const step of steps) {
    const next: Exchange[] = [];
    await withSpan(
      t,
      `esb.step ${step.kind}`,
      { 'stages.step': step.kind, 'stages.exchanges': current.length },
      async () => {
        for (const ex of current) {
          switch (step.kind) {
            case 'transform':
              ex.body = await step.evaluate(ex);
              next.push(ex);
              break;
            case 'filter':
              if (await step.test(ex)) next.push(ex);
              break;
            case 'split': {
              const parts = await step.evaluate(ex);
              state.split = true;
              // JSONata returns a lone match as the value itself rather than a one-element array.
              const list = parts === undefined ? [] : Array.isArray(parts) ? parts : [parts];
              for (const body of list) next.push({ body, headers: { ...ex.headers }, routeId: ex.routeId });
              break;
            }
            case 'enrich': {
              const payload = step.input ? await step.input(ex) : ex.body;
              const extra = await deps.caller(step.service).call(step.call, payload);
              ex.body = step.as
                ? { ...(ex.body as object), [step.as]: extra }
                : { ...(ex.body as object), ...(extra as object) };
              next.push(ex);
              break;
            }
            case 'choice': {
              let chosen = undefined as (typeof step.branches)[number] | undefined;
              for (const branch of step.branches) {
                if (!branch.test || (await branch.test(ex))) {
                  chosen = branch;
                  break;
                }
              }
              next.push(...(chosen ? await runSteps(chosen.steps, [ex], deps, state) : [ex]));
              break;
            }
          }
        }
      },
    );
    current = next;
  }
  return current;
}

async function withRetries<T>(route: CompiledRoute, endpoint: CompiledEndpoint, fn: () => Promise<T>): Promise<T> {
  const { retries, retryBackoffMs } = route.definition;
  for (let attempt = 0; ; attempt++) {
    try {
      return await withSpan(
        t,
        `esb.to ${endpoint.label}`,
        { 'stages.endpoint': endpoint.label, 'stages.attempt': attempt + 1 },
        fn,
      );
    } catch (error) {
      // Only what may succeed on another try is retried: a rejected request stays rejected.
      const retryable = !StagesError.is(error) || error.retryable;
      if (!retryable || attempt >= retries) throw error;
      await sleep(retryBackoffMs * 2 ** attempt);
    }
  }
}

async function invoke(endpoint: CompiledEndpoint, ex: Exchange, deps: ExecutorDeps): Promise<unknown> {
  switch (endpoint.kind) {
    case 'service':
      return deps
        .caller(endpoint.service)
        .call(endpoint.call, ex.body, endpoint.timeoutMs ? { timeoutMs: endpoint.timeoutMs } : {});
    case 'topic': {
      const key = endpoint.key ? await endpoint.key(ex) : undefined;
      await deps.bus!.publish(endpoint.topic, ex.body, {
        headers: { 'stages-route': ex.routeId },
        ...(key === undefined || key === null ? {} : { key: String(key) }),
      });
      return ex.body;
    }
    case 'http':
      return t.startActiveSpan(
        `HTTP ${endpoint.method}`,
        { kind: SpanKind.CLIENT, attributes: { 'url.full': endpoint.url } },
        async (span) => {
          try {
            return await httpCall(endpoint, ex);
          } finally {
            span.end();
          }
        },
      );
  }
}

async function httpCall(endpoint: Extract<CompiledEndpoint, { kind: 'http' }>, ex: Exchange): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(endpoint.url, {
      method: endpoint.method,
      headers: { 'content-type': 'application/json', 'stages-route': ex.routeId },
      ...(endpoint.method === 'GET' || endpoint.method === 'DELETE' ? {} : { body: JSON.stringify(ex.body) }),
    });
  } catch (cause) {
    throw new StagesError('UNAVAILABLE', `${endpoint.label}: ${(cause as Error).message}`, { cause });
  }
  const text = await response.text();
  if (!response.ok) {
    // 5xx and 429 may pass on retry; other 4xx will not.
    const code =
      response.status >= 500 ? 'UNAVAILABLE' : response.status === 429 ? 'RATE_LIMITED' : 'FAILED_PRECONDITION';
    throw new StagesError(code, `${endpoint.label} answered ${response.status}`, {
      details: { status: response.status },
    });
  }
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

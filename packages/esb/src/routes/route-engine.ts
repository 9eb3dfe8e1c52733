import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import {
  createLogger,
  currentContext,
  defineService,
  meter,
  type ServiceDescriptor,
  StagesError,
  tracer,
  withSpan,
} from '@stages/common';
import type { Registry } from '@stages/registry';
import { type ClientTransport, ServiceClient } from '@stages/rpc';
import type { FastifyInstance } from 'fastify';
import type { EventBus, Subscription } from '../events/event-bus.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../gateway/problem.js';
import type { ClientDefaults, ServiceCaller } from '../gateway/service-callers.js';
import { closeWhenAnswered } from '../internal/close-when-answered.js';
import { type CompileContext, compileDocument } from './compile.js';
import type { CompiledRoute } from './compiled-route.js';
import { execute, type RouteResult } from './executor.js';
import type { RouteSource } from './route-source.js';
import type { Exchange, RouteFunction } from './schema.js';

export interface RouteEngineOptions {
  /** Services named by `service` endpoints and `enrich` steps are called through rpc ServiceClients. */
  registry?: Registry;
  transports?: readonly ClientTransport[];
  client?: ClientDefaults;
  /** Ready-made callers by service name (they win over registry-built clients). */
  clients?: Readonly<Record<string, ServiceCaller>>;
  /** Needed by topic sources, topic endpoints and dead-letter topics. */
  bus?: EventBus;
  /** Functions YAML routes may name in `fn:`. */
  functions?: Readonly<Record<string, RouteFunction>>;
  /** Origins `http` endpoints may target besides loopback. */
  upstreams?: readonly string[];
  /** Told about every rejected document (the running routes stay). */
  onRejected?: (error: StagesError) => void;
  bodyLimitBytes?: number;
}

const log = createLogger('esb.routes');
const t = tracer('esb');
let counter: ReturnType<ReturnType<typeof meter>['createCounter']> | undefined;
const routed = () =>
  (counter ??= meter('esb').createCounter('stages.esb.exchanges', { description: 'exchanges by route and outcome' }));

/**
 * The ESB (stage 13): routes from HTTP paths, gRPC methods and topics through steps to services, URLs and
 * topics. The table is swapped whole on `apply`; a document that fails validation is rejected with ROUTE_INVALID
 * and the running table stays.
 */
export class RouteEngine {
  readonly #o: RouteEngineOptions;
  readonly #ctx: CompileContext;
  readonly #callers = new Map<string, ServiceCaller>();
  #table: readonly CompiledRoute[] = [];
  #byId = new Map<string, CompiledRoute>();
  readonly #subscriptions = new Map<string, { from: string; sub: Subscription }>();
  #applying: Promise<unknown> = Promise.resolve();
  #app: FastifyInstance | undefined;
  #unwatch: (() => void)[] = [];
  /** The last document rejected, if any, with why. */
  lastRejection: StagesError | undefined;

  constructor(options: RouteEngineOptions = {}) {
    this.#o = options;
    this.#ctx = {
      functions: options.functions ?? {},
      upstreams: options.upstreams ?? [],
      hasBus: options.bus !== undefined,
    };
  }

  get routes(): readonly string[] {
    return this.#table.map((r) => r.id);
  }

  /** Validates and installs a document (YAML text, `{ routes: [...] }` or an array). Throws ROUTE_INVALID. */
  apply(document: unknown): Promise<void> {
    const next = this.#applying.then(() => this.#apply(document));
    this.#applying = next.catch(() => {});
    return next;
  }

  async #apply(document: unknown): Promise<void> {
    let table: CompiledRoute[];
    try {
      table = compileDocument(document, this.#ctx);
    } catch (error) {
      const e = StagesError.is(error) ? error : new StagesError('ROUTE_INVALID', String(error));
      this.lastRejection = e;
      log.warn({ err: e.message, details: e.details }, 'route document rejected; the running routes stay');
      this.#o.onRejected?.(e);
      throw e;
    }
    await this.#reconcileTopics(table);
    this.#table = table;
    this.#byId = new Map(table.map((r) => [r.id, r]));
    log.info({ routes: table.map((r) => r.id) }, 'routes applied');
  }

  /** Follows a source: every document it delivers is applied; rejected ones are logged and reported. */
  async watch(source: RouteSource): Promise<() => void> {
    const stop = await source.watch((doc) => {
      this.apply(doc).catch(() => {});
    });
    this.#unwatch.push(stop);
    await this.#applying;
    return stop;
  }

  /** Runs an exchange through a route by id (what every source does). */
  async run(routeId: string, body: unknown, headers: Record<string, string> = {}): Promise<RouteResult> {
    const route = this.#byId.get(routeId);
    if (!route) throw new StagesError('NOT_FOUND', `no route ${routeId}`);
    const original = body;
    const exchange: Exchange = { body: structuredClone(body), headers, routeId };
    try {
      const result = await execute(route, exchange, { caller: (s) => this.#caller(s), bus: this.#o.bus });
      routed().add(1, { route: routeId, outcome: 'ok' });
      return result;
    } catch (error) {
      routed().add(1, { route: routeId, outcome: 'failed' });
      const dlq = route.definition.deadLetter;
      if (dlq && this.#o.bus) {
        const e = StagesError.is(error)
          ? error
          : new StagesError('INTERNAL', (error as Error).message ?? String(error));
        await this.#o.bus.publish(
          dlq.topic,
          { route: routeId, body: original, headers, error: e.toWire() },
          {
            headers: { 'stages-route': routeId, 'stages-error-code': e.code },
          },
        );
        log.warn({ route: routeId, code: e.code, deadLetter: dlq.topic }, 'exchange dead-lettered');
        throw Object.assign(e, { deadLettered: true });
      }
      throw error;
    }
  }

  #caller(service: string): ServiceCaller {
    const given = this.#o.clients?.[service];
    if (given) return given;
    let c = this.#callers.get(service);
    if (!c) {
      if (!this.#o.registry || !this.#o.transports?.length) {
        throw new StagesError(
          'FAILED_PRECONDITION',
          `route engine: no client for service ${service} (give clients, or registry and transports)`,
        );
      }
      c = new ServiceClient({ ...this.#o.client, service, registry: this.#o.registry, transports: this.#o.transports });
      this.#callers.set(service, c);
    }
    return c;
  }

  /**
   * HTTP sources: one catch-all fastify route matched against the current table, so reloads add and remove
   * paths. HTTP JSON in, the route's answer back as JSON; failures as RFC 9457 problems.
   */
  async listen(options: { port?: number; host?: string } = {}): Promise<{ port: number; url: string }> {
    const { default: fastify } = await import('fastify');
    const app = fastify({
      logger: false,
      bodyLimit: this.#o.bodyLimitBytes ?? 1_048_576,
      forceCloseConnections: 'idle',
    });
    closeWhenAnswered(app);
    app.setErrorHandler((error, request, reply) => {
      const problem = toProblem(normalize(error), request.url.split('?')[0]);
      return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
    });
    app.all('/*', async (request, reply) => {
      const path = request.url.split('?')[0]!;
      let params: Record<string, string> | undefined;
      const route = this.#table.find((r) => {
        const from = r.definition.from;
        if (!('http' in from) || from.http.method !== request.method) return false;
        params = r.matchPath!(path);
        return params !== undefined;
      });
      if (!route) throw new StagesError('NOT_FOUND', `no route for ${request.method} ${path}`);
      const body =
        request.method === 'GET' || request.method === 'DELETE'
          ? { ...(request.query as object), ...params }
          : request.body === undefined
            ? { ...params }
            : request.body;
      const httpPath = (route.definition.from as { http: { path: string } }).http.path;
      // The HTTP hop's span, continuing the caller's trace when it sent one.
      const result = await context.with(propagation.extract(ROOT_CONTEXT, request.headers), () =>
        withSpan(
          t,
          `${request.method} ${httpPath}`,
          { 'http.request.method': request.method, 'http.route': httpPath },
          () => this.run(route.id, body, stringHeaders(request.headers)),
        ),
      );
      if (result.results.length === 0) return reply.code(204).send();
      return reply.send(result.split ? result.results : result.results[0]);
    });
    const host = options.host ?? '127.0.0.1';
    await app.listen({ port: options.port ?? 0, host });
    this.#app = app;
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { port, url: `http://${host}:${port}` };
  }

  /**
   * gRPC sources: a service descriptor whose methods run the routes `from: { grpc: { service: name } }`. Expose it on
   * a ServerTransport before start (gRPC services are fixed then): a reload may change those routes but not
   * add methods to the service.
   */
  grpcService(name: string, version = '1.0.0'): ServiceDescriptor {
    const methods = this.#table.flatMap((r) =>
      'grpc' in r.definition.from && r.definition.from.grpc.service === name ? [r.definition.from.grpc.method] : [],
    );
    if (methods.length === 0) throw new StagesError('CONFIG_INVALID', `no route takes gRPC service ${name}`);
    const handler: Record<string, (request: unknown) => Promise<unknown>> = {};
    for (const method of methods) {
      handler[method] = async (request) => {
        const route = this.#table.find(
          (r) =>
            'grpc' in r.definition.from &&
            r.definition.from.grpc.service === name &&
            r.definition.from.grpc.method === method,
        );
        if (!route) throw new StagesError('UNIMPLEMENTED', `route for ${name}.${method} was removed`);
        const result = await this.run(route.id, request, { ...(currentContext()?.metadata ?? {}) });
        return result.split ? result.results : (result.results[0] ?? null);
      };
    }
    return defineService({ name, version, handler, methods });
  }

  /** Topic sources: one subscription per route, kept across reloads while its `from` is unchanged. */
  async #reconcileTopics(table: readonly CompiledRoute[]): Promise<void> {
    const bus = this.#o.bus;
    const wanted = new Map(table.flatMap((r) => ('topic' in r.definition.from ? [[r.id, r] as const] : [])));
    const added: string[] = [];
    try {
      for (const [id, route] of wanted) {
        const from = route.definition.from as { topic: string; group?: string };
        const key = JSON.stringify(from);
        if (this.#subscriptions.get(id)?.from === key) continue;
        const sub = await bus!.subscribe(
          from.topic,
          from.group ?? `esb-${id}`,
          async (m) => {
            try {
              await this.run(id, m.value, { ...m.headers });
            } catch (error) {
              // Dead-lettered by the route: acknowledged. Otherwise the bus's own DLQ takes it.
              if (!(error as { deadLettered?: boolean }).deadLettered) throw error;
            }
          },
          { maxAttempts: 1, from: 'earliest' },
        );
        const old = this.#subscriptions.get(id);
        this.#subscriptions.set(id, { from: key, sub });
        added.push(id);
        await old?.sub.close();
      }
    } catch (error) {
      for (const id of added) await this.#subscriptions.get(id)?.sub.close();
      for (const id of added) this.#subscriptions.delete(id);
      throw error;
    }
    for (const [id, { sub }] of [...this.#subscriptions]) {
      if (!wanted.has(id)) {
        this.#subscriptions.delete(id);
        await sub.close();
      }
    }
  }

  async close(): Promise<void> {
    for (const stop of this.#unwatch) stop();
    await this.#app?.close();
    await Promise.all([...this.#subscriptions.values()].map((s) => s.sub.close()));
    this.#subscriptions.clear();
    await Promise.all([...this.#callers.values()].map((c) => c.close?.()));
  }
}

function stringHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined && k !== 'authorization' && k !== 'cookie') out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

function normalize(error: unknown): unknown {
  if (StagesError.is(error)) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new StagesError('PAYLOAD_TOO_LARGE', 'request body is too large');
  if (typeof e.statusCode === 'number' && e.statusCode < 500)
    return new StagesError('INVALID_ARGUMENT', e.message ?? 'bad request');
  return error;
}

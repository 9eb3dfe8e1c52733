import type { FastifyCorsOptions } from '@fastify/cors';
import { context, propagation, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { PageCache, type TwoLevelCache } from '@stages/cache';
import { createLogger, meter, recordError, runWithContext, StagesError, tracer } from '@stages/common';
import type { Registry } from '@stages/registry';
import type { ClientTransport } from '@stages/rpc';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { closeWhenAnswered } from '../internal/close-when-answered.js';
import { bearerToken, type JwtOptions, JwtVerifier } from './jwt.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';
import {
  defaultInput,
  type GatewayRequest,
  type GatewayRoute,
  type Identity,
  methodsOf,
  type Schema,
} from './route.js';
import { buildCallers, type ClientDefaults, type ServiceCaller } from './service-callers.js';

export interface GatewayOptions {
  routes: readonly GatewayRoute[];
  /** Services are found here and called through rpc ServiceClients (one per service). */
  registry?: Registry;
  transports?: readonly ClientTransport[];
  /** ServiceClient options for every service (balancer, retries, breakerOptions, zone...). */
  client?: ClientDefaults;
  /** Ready-made callers by service name (in-process services in a monolith, or your own clients). */
  clients?: Readonly<Record<string, ServiceCaller>>;
  jwt?: JwtOptions;
  /** CORS (@fastify/cors options). Default off. */
  cors?: FastifyCorsOptions | false;
  /** Largest accepted body. Default 1 MiB; larger is 413 PAYLOAD_TOO_LARGE. */
  bodyLimitBytes?: number;
  /**
   * Gateway-wide limit per client (the token's subject, else the client address), `max` per `timeWindowMs`.
   * Counters are per instance unless `redis` (an ioredis client) is given, which shares them between gateways.
   */
  rateLimit?: { max: number; timeWindowMs: number; redis?: unknown } | false;
  /** Backs routes with `cache`. */
  pageCache?: TwoLevelCache;
  /** Trust X-Forwarded-For from the reverse proxy in front (nginx), so limits key on the real client. */
  trustProxy?: boolean | string | readonly string[];
  /** Default `/ready` and `/health`. */
  readinessPath?: string;
  livenessPath?: string;
  /**
   * The application's own additions to the gateway's fastify instance (a page, a static directory through
   * @fastify/static, a hook, a plugin), made after the gateway's routes and plugins and before the instance is
   * sealed by `ready()`: fastify accepts no route after that. Routes added here share the gateway's error and
   * not-found handlers (problem+json), CORS and the gateway-wide rate limit, but not JWT, validation or spans.
   */
  configure?: (app: FastifyInstance) => void | Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    identity?: Identity;
  }
}

const log = createLogger('esb.gateway');
const t = tracer('esb');
let instruments:
  | {
      requests: ReturnType<ReturnType<typeof meter>['createCounter']>;
      duration: ReturnType<ReturnType<typeof meter>['createHistogram']>;
    }
  | undefined;
const metrics = () =>
  (instruments ??= {
    requests: meter('esb').createCounter('stages.gateway.requests', {
      description: 'HTTP requests by route and status',
    }),
    duration: meter('esb').createHistogram('stages.gateway.duration', { unit: 'ms' }),
  });

/**
 * The HTTP front door (stage 4): fastify routes onto service methods, called through the rpc cluster. Holds no
 * session state, so any number of instances run side by side behind a reverse proxy.
 */
export class Gateway {
  readonly app: FastifyInstance;
  readonly #callers: Map<string, ServiceCaller>;
  readonly #ownedCallers: ServiceCaller[];
  #closing = false;

  private constructor(app: FastifyInstance, callers: Map<string, ServiceCaller>, owned: ServiceCaller[]) {
    this.app = app;
    this.#callers = callers;
    this.#ownedCallers = owned;
  }

  static async create(options: GatewayOptions): Promise<Gateway> {
    const { default: fastify } = await import('fastify');
    const given = options.clients ?? {};
    const callers = buildCallers(options.routes, given, options.registry, options.transports, options.client ?? {});
    const owned = [...callers.entries()].filter(([name]) => !given[name]).map(([, c]) => c);
    const app = fastify({
      logger: false,
      bodyLimit: options.bodyLimitBytes ?? 1_048_576,
      trustProxy: (options.trustProxy ?? false) as boolean,
      // Keep-alive connections would hold close() for their idle timeout; a draining gateway ends them.
      forceCloseConnections: 'idle',
    });
    closeWhenAnswered(app);
    const gateway = new Gateway(app, callers, owned);
    try {
      await gateway.#setUp(options);
    } catch (error) {
      // A bad route or a failing `configure` must not leave the service clients' connections open behind it.
      await gateway.close().catch(() => {});
      throw error;
    }
    return gateway;
  }

  async #setUp(options: GatewayOptions): Promise<void> {
    const app = this.app;
    const verifier = options.jwt ? new JwtVerifier(options.jwt) : undefined;
    const pageCache = options.pageCache;

    app.setErrorHandler((error, request, reply) => this.#sendError(fromFastify(error), request, reply));
    app.setNotFoundHandler((request, reply) =>
      this.#sendError(
        new StagesError('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`),
        request,
        reply,
      ),
    );
    if (options.cors) await app.register((await import('@fastify/cors')).default, options.cors);
    const limit = options.rateLimit;
    const anyRouteLimit = options.routes.some((r) => r.rateLimit);
    if (limit || anyRouteLimit) {
      await app.register((await import('@fastify/rate-limit')).default, {
        global: Boolean(limit),
        ...(limit ? { max: limit.max, timeWindow: limit.timeWindowMs } : {}),
        ...(limit && limit.redis !== undefined ? { redis: limit.redis as never } : {}),
        // After authentication (onRequest), so an authenticated client is limited by who it is, not its address.
        hook: 'preHandler',
        keyGenerator: (request) => request.identity?.subject ?? request.ip,
        errorResponseBuilder: (_request, ctx) =>
          new StagesError('RATE_LIMITED', `rate limit exceeded: ${ctx.max} requests per ${ctx.after}`, {
            details: { limit: ctx.max, retryAfterMs: ctx.ttl },
          }),
      });
    }

    app.get(options.livenessPath ?? '/health', async () => ({ status: 'up' }));
    app.get(options.readinessPath ?? '/ready', async (_request, reply) => this.#readiness(reply));

    for (const route of options.routes) {
      const cache =
        route.cache && pageCache
          ? new PageCache(pageCache, { ttlMs: route.cache.ttlMs, vary: route.cache.vary ?? [] })
          : undefined;
      if (route.cache && !pageCache) {
        throw new StagesError(
          'CONFIG_INVALID',
          `gateway route ${route.path}: cache needs the gateway's pageCache option`,
          {
            details: { field: 'pageCache' },
          },
        );
      }
      if (route.auth && !verifier) {
        throw new StagesError('CONFIG_INVALID', `gateway route ${route.path}: auth needs the gateway's jwt option`, {
          details: { field: 'jwt' },
        });
      }
      app.route({
        method: methodsOf(route),
        url: route.path,
        config: route.rateLimit
          ? { rateLimit: { max: route.rateLimit.max, timeWindow: route.rateLimit.timeWindowMs } }
          : {},
        // No hook at all without a verifier: an async hook per request costs a few percent of throughput.
        ...(verifier ? { onRequest: authenticate(verifier, route.auth === true) } : {}),
        handler: (request, reply) => this.#handle(route, cache, request, reply),
      });
    }
    if (options.configure) {
      try {
        await options.configure(app);
      } catch (cause) {
        throw new StagesError('CONFIG_INVALID', `gateway configure failed: ${(cause as Error)?.message ?? cause}`, {
          cause,
          details: { field: 'configure' },
        });
      }
    }
    await app.ready();
  }

  async #handle(route: GatewayRoute, cache: PageCache | undefined, request: FastifyRequest, reply: FastifyReply) {
    const started = performance.now();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    return context.with(parent, () =>
      t.startActiveSpan(
        `${request.method} ${route.path}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': request.method,
            'http.route': route.path,
            'stages.service': route.service,
          },
        },
        async (span) => {
          try {
            const req: GatewayRequest = {
              method: request.method,
              url: request.url,
              params: validate('params', route.schema?.params, request.params ?? {}) as Record<string, unknown>,
              query: validate('query', route.schema?.query, request.query ?? {}) as Record<string, unknown>,
              body: validate('body', route.schema?.body, request.body),
              headers: request.headers,
              ...(request.identity ? { identity: request.identity } : {}),
            };
            const render = async () => {
              const result = await this.#call(route, req);
              const body = route.output ? route.output(result, req) : result;
              return body === undefined
                ? { status: route.status ?? 204, body: '' }
                : {
                    status: route.status ?? 200,
                    headers: { 'content-type': 'application/json; charset=utf-8' },
                    body: JSON.stringify(body),
                  };
            };
            let page: { status: number; headers?: Record<string, string>; body: string };
            if (cache) {
              const cached = await cache.getOrRender(
                { method: request.method, url: request.url, headers: request.headers },
                render,
              );
              reply.header('x-cache', cached.hit ? 'HIT' : 'MISS');
              page = cached;
            } else page = await render();
            span.setAttribute('http.response.status_code', page.status);
            metrics().requests.add(1, { route: route.path, status: page.status });
            reply.code(page.status);
            if (page.headers) reply.headers(page.headers);
            return reply.send(page.body === '' ? undefined : page.body);
          } catch (error) {
            recordError(span, error);
            throw error;
          } finally {
            span.end();
            metrics().duration.record(performance.now() - started, { route: route.path });
          }
        },
      ),
    );
  }

  #call(route: GatewayRoute, req: GatewayRequest): Promise<unknown> {
    const caller = this.#callers.get(route.service)!;
    const payload = (route.input ?? defaultInput)(req);
    const call = () =>
      caller.call(route.call, payload, route.timeoutMs === undefined ? {} : { timeoutMs: route.timeoutMs });
    // The verified subject becomes the call context's caller, which the rpc client sends as `stages-caller`.
    return req.identity ? runWithContext({ caller: req.identity.subject }, call) : call();
  }

  #sendError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
    const problem = toProblem(error, request.url.split('?')[0]);
    if (problem.status >= 500)
      log.warn({ url: request.url, code: problem.code, err: (error as Error)?.message }, 'request failed');
    if (problem.code === 'RATE_LIMITED' && typeof problem.details?.retryAfterMs === 'number') {
      reply.header('retry-after', Math.ceil(problem.details.retryAfterMs / 1000));
    }
    metrics().requests.add(1, { status: problem.status, code: problem.code });
    return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }

  #readiness(reply: FastifyReply) {
    const services: Record<string, number | null> = {};
    let ready = !this.#closing;
    for (const [name, caller] of this.#callers) {
      const n = caller.providers?.length ?? null;
      services[name] = n;
      if (n === 0) ready = false;
    }
    reply.code(ready ? 200 : 503);
    return { ready, draining: this.#closing, services };
  }

  /** Listens on loopback by default; resolves with the bound port. */
  async listen(options: { port?: number; host?: string } = {}): Promise<{ port: number; url: string }> {
    const host = options.host ?? '127.0.0.1';
    await this.app.listen({ port: options.port ?? 0, host });
    const address = this.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { port, url: `http://${host}:${port}` };
  }

  /**
   * Readiness goes 503 at once; after `drainMs` (give the balancer's health check that long to notice, default 0)
   * the listener closes, in-flight requests finish, then the service clients close.
   */
  async close(options: { drainMs?: number } = {}): Promise<void> {
    this.#closing = true;
    if (options.drainMs) await new Promise((r) => setTimeout(r, options.drainMs));
    await this.app.close();
    await Promise.all(this.#ownedCallers.map((c) => c.close?.()));
  }
}

/** onRequest hook: a protected route requires a valid token; an open one takes a valid token's identity. */
function authenticate(verifier: JwtVerifier, required: boolean) {
  return async (request: FastifyRequest) => {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      if (required) throw new StagesError('UNAUTHENTICATED', 'a bearer token is required');
      return;
    }
    try {
      request.identity = await verifier.verify(token);
    } catch (error) {
      // On an open route a bad token is ignored (the request is anonymous); on a protected one it is 401.
      if (required) throw error;
    }
  };
}

function validate(part: string, schema: Schema | undefined, value: unknown): unknown {
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new StagesError('INVALID_ARGUMENT', `invalid ${part}`, {
    details: { part, issues: result.error.issues.map((i) => summarize(i)) },
  });
}

function summarize(issue: unknown): unknown {
  if (typeof issue !== 'object' || issue === null) return String(issue);
  const { path, message, code } = issue as { path?: unknown; message?: unknown; code?: unknown };
  return { path, message, code };
}

/** fastify's own errors (body too large, bad JSON, wrong content type) as Stages codes. */
function fromFastify(error: unknown): unknown {
  if (StagesError.is(error)) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new StagesError('PAYLOAD_TOO_LARGE', 'request body is too large');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new StagesError('INVALID_ARGUMENT', e.message ?? 'bad request', { details: { reason: e.code } });
  }
  return error;
}

/** Anything with zod's `safeParse` (zod 3 or 4, or a hand-written validator): the gateway needs nothing more. */
export interface Schema<T = unknown> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly unknown[] } };
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** The caller a verified token names. */
export interface Identity {
  readonly subject: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** What a route's `input` function sees: path, query and body after validation. */
export interface GatewayRequest {
  readonly method: string;
  readonly url: string;
  readonly params: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly identity?: Identity;
}

/**
 * One HTTP route onto one service method:
 * `{ method: 'GET', path: '/products/:id', service: 'catalog', call: 'getProduct', input: (r) => ({ id: r.params.id }) }`.
 */
export interface GatewayRoute {
  method: HttpMethod | readonly HttpMethod[];
  /** fastify path syntax: `/products/:id`, `/files/*`. */
  path: string;
  service: string;
  /** The method on the service. */
  call: string;
  /** Builds the service request. Default: params, query and body (when an object) merged into one object. */
  input?: (request: GatewayRequest) => unknown;
  /** Shapes the service's answer into the HTTP body. Default: the answer as JSON. */
  output?: (result: unknown, request: GatewayRequest) => unknown;
  /** Validated before `input`; a failure is 400 INVALID_ARGUMENT and never reaches the service. */
  schema?: { params?: Schema; query?: Schema; body?: Schema };
  /** A valid bearer token is required; without one: 401, and the service is never called. */
  auth?: boolean;
  /** Cache the rendered response (GET only, no Authorization header) through @stages/cache's PageCache. */
  cache?: { ttlMs: number; vary?: readonly string[] };
  /** Per-route limit, replacing the gateway-wide one for this route: `max` requests per `timeWindowMs` per client. */
  rateLimit?: { max: number; timeWindowMs: number };
  /** Safe to retry on another provider. Default: true for GET, HEAD, PUT, DELETE, OPTIONS. */
  idempotent?: boolean;
  /** Deadline for the service call. Default: the service client's. */
  timeoutMs?: number;
  /** Status of a successful answer. Default 200 (204 when the service returns nothing). */
  status?: number;
}

const IDEMPOTENT_VERBS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export function methodsOf(route: GatewayRoute): HttpMethod[] {
  return typeof route.method === 'string' ? [route.method] : [...route.method];
}

export function isIdempotent(route: GatewayRoute): boolean {
  return route.idempotent ?? methodsOf(route).every((m) => IDEMPOTENT_VERBS.has(m));
}

/** The default service request: path params, query and an object body, merged (the body wins). */
export function defaultInput(request: GatewayRequest): unknown {
  const body =
    typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body) ? request.body : {};
  return { ...request.query, ...request.params, ...body };
}

import type { Condition, Endpoint, Expression, From, RouteDefinition, RouteFunction, Step } from './schema.js';

type Expr = string | RouteFunction | Expression;
/** A string is JSONata, a function is inline code. */
const expr = (e: Expr): Expression =>
  typeof e === 'string' ? { jsonata: e } : typeof e === 'function' ? { fn: e } : e;

/**
 * The TypeScript builder: produces the same document YAML does, with functions allowed inline.
 * ```ts
 * route('legacy-orders').fromHttp('POST', '/legacy/orders').transform('{ "customerId": CUST }')
 *   .toService('orders', 'placeOrder').toTopic('order-placed', 'orderId').build();
 * ```
 */
export class RouteBuilder {
  readonly #def: { id: string; from?: From; steps: Step[]; to: Endpoint[] } & Partial<
    Omit<RouteDefinition, 'id' | 'from' | 'steps' | 'to'>
  >;

  constructor(id: string) {
    this.#def = { id, steps: [], to: [] };
  }
  fromHttp(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string): this {
    this.#def.from = { http: { method, path } };
    return this;
  }
  fromGrpc(service: string, method: string): this {
    this.#def.from = { grpc: { service, method } };
    return this;
  }
  fromTopic(topic: string, group?: string): this {
    this.#def.from = group === undefined ? { topic } : { topic, group };
    return this;
  }
  transform(e: Expr): this {
    this.#def.steps.push({ transform: expr(e) });
    return this;
  }
  filter(e: Expr | Condition): this {
    this.#def.steps.push({ filter: typeof e === 'object' && 'header' in e ? e : expr(e as Expr) });
    return this;
  }
  split(e: Expr): this {
    this.#def.steps.push({ split: expr(e) });
    return this;
  }
  enrich(service: string, call: string, options: { input?: Expr; as?: string } = {}): this {
    this.#def.steps.push({
      enrich: {
        service,
        call,
        ...(options.input ? { input: expr(options.input) } : {}),
        ...(options.as ? { as: options.as } : {}),
      },
    });
    return this;
  }
  choice(branches: ({ when: Expr | Condition; steps: Step[] } | { otherwise: Step[] })[]): this {
    this.#def.steps.push({
      choice: branches.map((b) =>
        'when' in b
          ? { when: typeof b.when === 'object' && 'header' in b.when ? b.when : expr(b.when as Expr), steps: b.steps }
          : b,
      ),
    });
    return this;
  }
  toService(service: string, call: string, timeoutMs?: number): this {
    this.#def.to.push(timeoutMs === undefined ? { service, call } : { service, call, timeoutMs });
    return this;
  }
  /** `key` is a JSONata expression over the body (e.g. `'orderId'`) or a function. */
  toTopic(topic: string, key?: Expr): this {
    this.#def.to.push(key === undefined ? { topic } : { topic, key: expr(key) });
    return this;
  }
  toHttp(url: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' = 'POST'): this {
    this.#def.to.push({ http: { url, method } });
    return this;
  }
  retries(n: number, backoffMs?: number): this {
    this.#def.retries = n;
    if (backoffMs !== undefined) this.#def.retryBackoffMs = backoffMs;
    return this;
  }
  timeout(ms: number): this {
    this.#def.timeoutMs = ms;
    return this;
  }
  deadLetter(topic: string): this {
    this.#def.deadLetter = { topic };
    return this;
  }
  /** The plain definition; validated when the engine applies it. */
  build(): RouteDefinition {
    return { ...this.#def } as RouteDefinition;
  }
}

export const route = (id: string) => new RouteBuilder(id);

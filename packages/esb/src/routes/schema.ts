import { z } from 'zod';

/**
 * The route document, validated with zod before anything runs: a document that fails is rejected whole with
 * ROUTE_INVALID and the running routes stay. YAML and the TypeScript builder produce the same shape; only the
 * builder can put functions inline (YAML names them, from the engine's `functions`).
 */
// biome-ignore lint/suspicious/noExplicitAny: a body is whatever JSON the route carries; a function knows its shape.
export type RouteFunction = (body: any, exchange: Exchange) => unknown;

export interface Exchange {
  body: unknown;
  headers: Record<string, string>;
  readonly routeId: string;
}

const fn = z.custom<RouteFunction>((v) => typeof v === 'function', { message: 'expected a function' });
const name = z.string().min(1).max(200);

/** A JSONata expression over the body (`$headers` bound to the headers), or a function (inline or by name). */
export const Expression = z.union([
  z.object({ jsonata: z.string().min(1) }).strict(),
  z.object({ fn: z.union([name, fn]) }).strict(),
]);
export type Expression = z.infer<typeof Expression>;

const HeaderCondition = z
  .object({ header: name, equals: z.string().optional(), matches: z.string().optional() })
  .strict();
export const Condition = z.union([HeaderCondition, Expression]);
export type Condition = z.infer<typeof Condition>;

export const Endpoint = z.union([
  z.object({ service: name, call: name, timeoutMs: z.number().int().positive().optional() }).strict(),
  z.object({ topic: name, key: Expression.optional() }).strict(),
  z
    .object({
      http: z.object({ url: z.url(), method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional() }).strict(),
    })
    .strict(),
]);
export type Endpoint = z.infer<typeof Endpoint>;

export type Step =
  | { transform: Expression }
  | { filter: Condition }
  | { split: Expression }
  | { enrich: { service: string; call: string; input?: Expression | undefined; as?: string | undefined } }
  | { choice: ({ when: Condition; steps: Step[] } | { otherwise: Step[] })[] };

export const Step: z.ZodType<Step> = z.lazy(() =>
  z.union([
    z.object({ transform: Expression }).strict(),
    z.object({ filter: Condition }).strict(),
    z.object({ split: Expression }).strict(),
    z
      .object({
        enrich: z.object({ service: name, call: name, input: Expression.optional(), as: name.optional() }).strict(),
      })
      .strict(),
    z
      .object({
        choice: z
          .array(
            z.union([
              z.object({ when: Condition, steps: z.array(Step) }).strict(),
              z.object({ otherwise: z.array(Step) }).strict(),
            ]),
          )
          .min(1),
      })
      .strict(),
  ]),
) as z.ZodType<Step>;

export const From = z.union([
  z
    .object({
      http: z
        .object({ method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']), path: z.string().regex(/^\//) })
        .strict(),
    })
    .strict(),
  z.object({ grpc: z.object({ service: name, method: name }).strict() }).strict(),
  z.object({ topic: name, group: name.optional() }).strict(),
]);
export type From = z.infer<typeof From>;

export const RouteDefinition = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/),
    from: From,
    steps: z.array(Step).default([]),
    to: z.union([Endpoint, z.array(Endpoint).min(1)]),
    /** Extra tries per `to` endpoint for retryable failures. */
    retries: z.number().int().min(0).max(10).default(0),
    retryBackoffMs: z.number().int().min(0).default(100),
    /** The whole route, steps and endpoints; also the deadline its service calls inherit. */
    timeoutMs: z.number().int().positive().default(10_000),
    /** Where an exchange goes when the route finally fails: a topic, with the error attached. */
    deadLetter: z.object({ topic: name }).strict().optional(),
  })
  .strict();
export type RouteDefinition = z.input<typeof RouteDefinition>;
export type ParsedRoute = z.output<typeof RouteDefinition>;

/** A document is `{ routes: [...] }` or the bare list; this validates the list. */
export const RouteDocument = { element: z.array(RouteDefinition) };

import type { GatewayRequest, GatewayRoute } from '@stages/esb';
import { z } from 'zod';

const num = (v: unknown) => (v === undefined || v === '' ? undefined : Number(v));
const subject = (r: GatewayRequest) => r.identity?.subject as string;

/** The shop's JSON API: each HTTP route is one service method. Routes with `auth` need a JWT from POST /api/sessions. */
export const SHOP_ROUTES: GatewayRoute[] = [
  {
    method: 'GET',
    path: '/api/products',
    service: 'catalog',
    call: 'listProducts',
    input: (r) => ({ offset: num(r.query.offset), limit: num(r.query.limit), category: r.query.category || undefined }),
  },
  {
    method: 'GET',
    path: '/api/products/:id',
    service: 'catalog',
    call: 'getProduct',
    input: (r) => ({ id: r.params.id }),
  },
  {
    method: 'PATCH',
    path: '/api/products/:id',
    service: 'catalog',
    call: 'updateProduct',
    auth: true,
    input: (r) => ({ ...(r.body as object), id: r.params.id }),
  },
  {
    method: 'GET',
    path: '/api/search',
    service: 'search',
    call: 'search',
    input: (r) => ({ q: String(r.query.q ?? ''), limit: num(r.query.limit) }),
  },
  {
    method: 'GET',
    path: '/api/stock',
    service: 'inventory',
    call: 'getStock',
    input: (r) => ({
      productIds: String(r.query.ids ?? '')
        .split(',')
        .filter(Boolean),
    }),
  },
  { method: 'POST', path: '/api/users', service: 'user', call: 'signUp', status: 201 },
  // Log-in is the one place a password arrives: limit guessing per client.
  {
    method: 'POST',
    path: '/api/sessions',
    service: 'user',
    call: 'logIn',
    rateLimit: { max: 30, timeWindowMs: 60_000 },
  },
  {
    method: 'POST',
    path: '/api/orders',
    service: 'order',
    call: 'placeOrder',
    auth: true,
    status: 201,
    schema: { body: z.object({ items: z.array(z.object({ productId: z.string(), quantity: z.number().int() })) }) },
    // The user comes from the verified token, never from the body: nobody orders on someone else's account.
    input: (r) => ({ userId: subject(r), items: (r.body as { items: unknown }).items }),
  },
  {
    method: 'GET',
    path: '/api/orders',
    service: 'order',
    call: 'listOrders',
    auth: true,
    input: (r) => ({ userId: subject(r) }),
  },
];

// The shop's user flows over HTTP, as a person (or curl) would run them. Returns what a user sees, with run-specific
// values (ids, timestamps) left out, so two stages can be compared for equality.

export interface FlowResult {
  firstPage: string[];
  total: number;
  search: string[];
  editFoundBySearch: boolean;
  signedUp: boolean;
  orderTotalCents: number;
  stockTaken: number;
  history: { items: number; totalCents: number }[];
  errors: Record<string, string>;
}

export async function api<T = unknown>(base: string, method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = res.status === 204 ? undefined : await res.json();
  return { status: res.status, data: data as T };
}

async function ok<T>(p: Promise<{ status: number; data: unknown }>): Promise<T> {
  const { status, data } = await p;
  if (status >= 300) throw new Error(`HTTP ${status}: ${JSON.stringify(data)}`);
  return data as T;
}

export async function runFlows(base: string, runId: string): Promise<FlowResult> {
  const page = await ok<{ items: { id: string; name: string }[]; total: number }>(
    api(base, 'GET', '/api/products?limit=5'),
  );
  const search = await ok<{ hits: { id: string }[] }>(api(base, 'GET', '/api/search?q=walnut%20lamp&limit=5'));

  const email = `shopper-${runId}@example.com`;
  const signUp = await api(base, 'POST', '/api/users', { email, password: 'secret-123', name: 'Shopper' });
  const { token } = await ok<{ token: string }>(api(base, 'POST', '/api/sessions', { email, password: 'secret-123' }));

  // An edit must reach the search read model (through catalog's change event).
  const word = `quokka${runId.replace(/\W/g, '')}`;
  await ok(api(base, 'PATCH', '/api/products/p0003', { name: `${word} lantern` }, token));
  let editFoundBySearch = false;
  for (const started = Date.now(); Date.now() - started < 10_000 && !editFoundBySearch; ) {
    const found = await ok<{ hits: { id: string }[] }>(api(base, 'GET', `/api/search?q=${word}`));
    editFoundBySearch = found.hits[0]?.id === 'p0003';
    if (!editFoundBySearch) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const before = await ok<Record<string, number>>(api(base, 'GET', '/api/stock?ids=p0001'));
  const order = await ok<{ totalCents: number }>(
    api(
      base,
      'POST',
      '/api/orders',
      {
        items: [
          { productId: 'p0001', quantity: 2 },
          { productId: 'p0005', quantity: 1 },
        ],
      },
      token,
    ),
  );
  const after = await ok<Record<string, number>>(api(base, 'GET', '/api/stock?ids=p0001'));
  const history = await ok<{ items: unknown[]; totalCents: number }[]>(
    api(base, 'GET', '/api/orders', undefined, token),
  );

  const code = async (p: Promise<{ data: unknown }>) => ((await p).data as { code?: string }).code ?? 'none';
  return {
    firstPage: page.items.map((p) => `${p.id} ${p.name}`),
    total: page.total,
    search: search.hits.map((h) => h.id),
    editFoundBySearch,
    signedUp: signUp.status === 201,
    orderTotalCents: order.totalCents,
    stockTaken: (before.p0001 ?? 0) - (after.p0001 ?? 0),
    history: history.map((o) => ({ items: o.items.length, totalCents: o.totalCents })),
    errors: {
      duplicateSignUp: await code(api(base, 'POST', '/api/users', { email, password: 'secret-123', name: 'Again' })),
      wrongPassword: await code(api(base, 'POST', '/api/sessions', { email, password: 'wrong-password' })),
      orderWithoutToken: await code(api(base, 'POST', '/api/orders', { items: [] })),
      emptyOrder: await code(api(base, 'POST', '/api/orders', { items: [] }, token)),
      unknownProduct: await code(api(base, 'GET', '/api/products/p9999')),
      outOfStock: await code(
        api(
          base,
          'POST',
          '/api/orders',
          {
            items: [
              { productId: 'p0010', quantity: 100 },
              { productId: 'p0010', quantity: 100 },
              { productId: 'p0010', quantity: 100 },
              { productId: 'p0010', quantity: 100 },
              { productId: 'p0010', quantity: 100 },
              { productId: 'p0010', quantity: 100 },
              { productId: 'p0010', quantity: 100 },
              { productId: 'p0010', quantity: 100 },
              { productId: 'p0010', quantity: 100 },
              { productId: 'p0010', quantity: 100 },
              { productId: 'p0010', quantity: 1 },
            ],
          },
          token,
        ),
      ),
    },
  };
}

import { readFileSync } from 'node:fs';
// The gateway's fastify instance, typed through @stages/esb: the shop does not depend on fastify itself.
import type { Gateway } from '@stages/esb';

const PAGE = readFileSync(new URL('./storefront.html', import.meta.url));

/**
 * The storefront page at `/`, added to the gateway's own fastify instance (its `configure` option), so the page
 * and the JSON API share one port. The page is static; it talks to the API like any other client.
 */
export function addStorefront(app: Gateway['app']): void {
  app.get('/', (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(PAGE),
  );
}

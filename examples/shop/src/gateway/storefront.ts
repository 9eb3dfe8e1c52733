import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Gateway } from '@stages/esb';

const PAGE = readFileSync(new URL('./storefront.html', import.meta.url));

/**
 * The storefront's one HTTP port: `/` is the page, everything else is the gateway's router (the JSON API,
 * /health, /ready). The page is static; it talks to the API like any other client.
 */
export async function serveStorefront(
  gateway: Gateway,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/' || req.url?.startsWith('/?'))) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(PAGE);
      return;
    }
    gateway.app.routing(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gateway.close();
    },
  };
}

import { createServer, request } from 'node:http';

/**
 * Stage 4's reverse proxy (what nginx does in the article): round-robin over the instances' storefront ports.
 * An instance that refuses the connection is skipped for 5 s and the request goes to the next one, so killing
 * one instance costs no request that had not reached it yet. Enough for a demo; use nginx in production.
 */
export async function startReverseProxy(upstreams: readonly string[], port: number) {
  const ejectedUntil = new Map<string, number>();
  let next = 0;
  const pick = (): string | undefined => {
    for (let i = 0; i < upstreams.length; i++) {
      const url = upstreams[(next + i) % upstreams.length] as string;
      if ((ejectedUntil.get(url) ?? 0) <= Date.now()) {
        next = (next + i + 1) % upstreams.length;
        return url;
      }
    }
    return undefined;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (triesLeft: number) => {
        const upstream = pick();
        if (!upstream || triesLeft === 0) {
          res
            .writeHead(502, { 'content-type': 'application/json' })
            .end('{"code":"UNAVAILABLE","title":"no instance"}');
          return;
        }
        const out = request(
          `${upstream}${req.url}`,
          { method: req.method, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress } },
          (up) => {
            res.writeHead(up.statusCode ?? 502, { ...up.headers, 'x-upstream': upstream });
            up.pipe(res);
          },
        );
        out.on('error', () => {
          // Not connected (instance gone): nothing reached it, so another instance may take the request.
          ejectedUntil.set(upstream, Date.now() + 5_000);
          attempt(triesLeft - 1);
        });
        out.end(body);
      };
      attempt(upstreams.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

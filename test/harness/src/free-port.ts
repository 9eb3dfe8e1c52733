import { createServer } from 'node:net';

/**
 * A free TCP port on 127.0.0.1, found by letting the kernel pick one and closing the socket again.
 * Another process can take it before the caller binds it: the server starters therefore watch for
 * "address already in use" and retry on fresh ports.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read the port of a free socket'))));
    });
  });
}

/** `count` distinct free ports (kept distinct even if the kernel hands the same one out twice). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

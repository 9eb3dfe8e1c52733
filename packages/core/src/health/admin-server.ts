import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createLogger } from '@stages/common';
import type { Health } from './health.js';

const log = createLogger('core.admin');

export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The admin port: `/health/live`, `/health/ready` (200 or 503, JSON body) and `/metrics` (Prometheus text).
 * Plain node:http: probes must answer even when the app's own HTTP stack is busy or absent.
 */
export class AdminServer {
  readonly #server: Server;
  #metrics: MetricsHandler | undefined;

  constructor(private readonly health: Health) {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        log.error({ err: error }, 'admin request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  }

  setMetricsHandler(handler: MetricsHandler | undefined): void {
    this.#metrics = handler;
  }

  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    return { host, port: bound };
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health/live') {
      const live = this.health.live();
      return json(res, live ? 200 : 503, { live, phase: this.health.phase() });
    }
    if (path === '/health/ready') {
      const state = await this.health.ready();
      return json(res, state.ready ? 200 : 503, state);
    }
    if (path === '/metrics' && this.#metrics) return this.#metrics(req, res);
    json(res, 404, { error: 'not found' });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

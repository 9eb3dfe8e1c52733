import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticRegistry } from '@stages/registry';
import { GrpcClientTransport } from '@stages/rpc';
import { freePort } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../src/index.js';
import { sleep } from '../helpers.js';
import { type Provider, startProvider } from '../provider-helpers.js';

const NGINX = '/usr/sbin/nginx';

/** The sample configuration of docs/gateway.md, with this test's directory and ports. */
function nginxConf(dir: string, port: number, gateways: number[]): string {
  return `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;   uwsgi_temp_path ${dir}/uwsgi;  scgi_temp_path ${dir}/scgi;
  upstream stages_gateway {
    least_conn;
${gateways.map((p) => `    server 127.0.0.1:${p} max_fails=3 fail_timeout=5s;`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 64k;
    location / {
      proxy_pass http://stages_gateway;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header traceparent $http_traceparent;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
    }
    location = /ready { return 404; }
  }
}
`;
}

// Stage 4 as docs/gateway.md shows it: a real nginx in front of three gateway instances.
describe.skipIf(!existsSync(NGINX))(
  'nginx in front of three gateways (skipped without the Debian package nginx-light)',
  () => {
    let provider: Provider;
    let transport: GrpcClientTransport;
    let gateways: Gateway[];
    let nginx: ChildProcess;
    let dir: string;
    let base: string;

    beforeAll(async () => {
      provider = await startProvider({ QUIET: '1' });
      const port = Number(/listening (\d+)/.exec(provider.handle.output())![1]);
      const registry = new StaticRegistry({
        providers: [{ service: 'catalog', host: '127.0.0.1', port, protocol: 'grpc' }],
      });
      transport = new GrpcClientTransport();
      gateways = await Promise.all(
        [0, 1, 2].map((i) =>
          Gateway.create({
            registry,
            transports: [transport],
            trustProxy: '127.0.0.1',
            routes: [
              {
                method: 'GET',
                path: '/products/:id',
                service: 'catalog',
                call: 'getProduct',
                output: (result, r) => ({ ...(result as object), gateway: i, client: r.headers['x-forwarded-for'] }),
              },
            ],
          }),
        ),
      );
      const ports = await Promise.all(gateways.map(async (g) => (await g.listen()).port));
      dir = mkdtempSync(join(tmpdir(), 'stages-nginx-'));
      for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
      const nginxPort = await freePort();
      writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, nginxPort, ports));
      // pdeathsig: nginx dies with this test process even if it is killed.
      nginx = spawn(
        'setpriv',
        [
          '--pdeathsig',
          'KILL',
          '--',
          NGINX,
          '-p',
          dir,
          '-c',
          join(dir, 'nginx.conf'),
          '-g',
          'daemon off; master_process off;',
        ],
        {
          stdio: 'ignore',
        },
      );
      base = `http://127.0.0.1:${nginxPort}`;
      for (let i = 0; i < 100; i++) {
        if (
          await fetch(`${base}/products/x`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        await sleep(50);
      }
    });

    afterAll(async () => {
      nginx?.kill('SIGTERM');
      await Promise.all((gateways ?? []).map((g) => g.close().catch(() => {})));
      await transport?.close();
      await provider?.handle.stop(2_000).catch(() => {});
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('spreads requests over every gateway, and loses none when one gateway dies', async () => {
      const seen = new Set<number>();
      for (let i = 0; i < 30; i++) {
        const r = await fetch(`${base}/products/p${i}`);
        expect(r.status).toBe(200);
        const body = (await r.json()) as { gateway: number; client: string };
        seen.add(body.gateway);
        expect(body.client).toBe('127.0.0.1'); // the gateway sees the forwarded client address
      }
      expect([...seen].sort()).toEqual([0, 1, 2]);
      expect((await fetch(`${base}/ready`)).status).toBe(404); // not exposed to the public

      let running = true;
      let crashed = false;
      let ok = 0;
      const failed: string[] = [];
      const after = new Set<number>();
      const loops = Array.from({ length: 8 }, async () => {
        let n = 0;
        while (running) {
          // Only requests sent after the crash say where traffic goes now; one already answered by gateway 1
          // can still be arriving when the crash happens.
          const sentAfterCrash = crashed;
          try {
            const r = await fetch(`${base}/products/p${n++}`);
            const body = (await r.json()) as { gateway: number };
            if (r.status === 200) {
              ok++;
              if (sentAfterCrash) after.add(body.gateway);
            } else failed.push(String(r.status));
          } catch (error) {
            failed.push(String(error));
          }
        }
      });
      await sleep(300);
      // A gateway crash: its listener and every connection go at once.
      gateways[1]!.app.server.close();
      gateways[1]!.app.server.closeAllConnections();
      crashed = true;
      await sleep(800);
      running = false;
      await Promise.all(loops);
      console.log(
        `nginx: ${ok} GETs through nginx at concurrency 8 while one of three gateways died; ${failed.length} failed; served after by ${[...after].sort().join(',')}`,
      );
      expect(failed).toEqual([]);
      expect([...after].sort()).toEqual([0, 2]);
    });
  },
);

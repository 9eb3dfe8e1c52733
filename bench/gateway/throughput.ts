/**
 * HTTP requests/s through the Stages gateway to a service in another process, versus a bare fastify handler
 * making the same gRPC call (same ServiceClient, same provider), in the same run.
 *
 *   node --import @swc-node/register/esm-register bench/gateway/throughput.ts
 *
 * The provider and the load generator run in their own processes; both HTTP servers run here, one measured at a
 * time, alternating (A B A B) so drift hits both. Bounded: ~40 s. Loopback only.
 */
import { spawn } from 'node:child_process';
import { StaticRegistry } from '@stages/registry';
import { GrpcClientTransport, ServiceClient } from '@stages/rpc';
import Fastify from 'fastify';
import { Gateway } from '../../packages/esb/src/index.js';

process.env.STAGES_LOG_LEVEL ??= 'warn';
const DURATION_MS = Number(process.env.BENCH_MS ?? 7_000);
const WARMUP_MS = 1_500;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const node = (file: string, args: string[] = []) =>
  spawn(process.execPath, ['--import', '@swc-node/register/esm-register', file, ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });

const provider = node('bench/gateway/provider.ts');
const port = await new Promise<number>((resolve, reject) => {
  let out = '';
  provider.stdout.on('data', (d) => {
    out += d;
    const m = /listening (\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
  provider.on('exit', () => reject(new Error('provider exited')));
});

const registry = new StaticRegistry({ providers: [{ service: 'catalog', host: '127.0.0.1', port, protocol: 'grpc' }] });
const transport = new GrpcClientTransport();
const client = new ServiceClient({
  service: 'catalog',
  registry,
  transports: [transport],
  methods: { getProduct: { idempotent: true } },
});

const gateway = await Gateway.create({
  routes: [
    {
      method: 'GET',
      path: '/products/:id',
      service: 'catalog',
      call: 'getProduct',
      input: (r) => ({ id: r.params.id }),
    },
  ],
  clients: { catalog: client },
});
const gatewayUrl = (await gateway.listen()).url;

const bare = Fastify({ logger: false });
bare.get<{ Params: { id: string } }>('/products/:id', (req) => client.call('getProduct', { id: req.params.id }));
await bare.listen({ port: 0, host: '127.0.0.1' });
const bareAddress = bare.server.address();
const bareUrl = `http://127.0.0.1:${typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0}`;

interface Result {
  /** CPU time of this process (where both HTTP servers live; one is idle at a time) per request, µs. */
  cpuUsPerRequest?: number;
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}
async function load(url: string, ms: number): Promise<Result> {
  const cpu0 = process.cpuUsage();
  const r = await runLoad(url, ms);
  const cpu = process.cpuUsage(cpu0);
  return { ...r, cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, r.requests) };
}

function runLoad(url: string, ms: number): Promise<Result> {
  const child = node('bench/gateway/load.ts', [url, String(ms), String(CONCURRENCY)]);
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Result)
        : reject(new Error(`load exited ${code}`)),
    ),
  );
}

await load(gatewayUrl, WARMUP_MS);
await load(bareUrl, WARMUP_MS);
const runs: { gateway: Result[]; bare: Result[] } = { gateway: [], bare: [] };
for (let round = 0; round < 2; round++) {
  // A B, then B A: whichever runs second in a round gets no advantage overall.
  if (round % 2 === 0) {
    runs.gateway.push(await load(gatewayUrl, DURATION_MS));
    runs.bare.push(await load(bareUrl, DURATION_MS));
  } else {
    runs.bare.push(await load(bareUrl, DURATION_MS));
    runs.gateway.push(await load(gatewayUrl, DURATION_MS));
  }
}
const sum = (rs: Result[]) => ({
  rps: rs.reduce((s, r) => s + r.rps, 0) / rs.length,
  p50Ms: rs.reduce((s, r) => s + r.p50Ms, 0) / rs.length,
  p99Ms: rs.reduce((s, r) => s + r.p99Ms, 0) / rs.length,
  errors: rs.reduce((s, r) => s + r.errors, 0),
  cpuUs: rs.reduce((s, r) => s + (r.cpuUsPerRequest ?? 0), 0) / rs.length,
});
const g = sum(runs.gateway);
const b = sum(runs.bare);
for (const [name, rs] of Object.entries(runs))
  for (const r of rs)
    console.log(
      `  ${name} run: ${r.rps.toFixed(0)} req/s p50 ${r.p50Ms.toFixed(2)} ms, ${r.cpuUsPerRequest?.toFixed(0)} µs CPU/req`,
    );
const row = (name: string, r: ReturnType<typeof sum>) =>
  `${name.padEnd(32)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50Ms.toFixed(2)} ms   p99 ${r.p99Ms.toFixed(2)} ms   server CPU ${r.cpuUs.toFixed(0)} µs/req   errors ${r.errors}`;
console.log(
  `HTTP GET -> gRPC getProduct (provider in another process), concurrency ${CONCURRENCY}, ${runs.gateway.length} x ${DURATION_MS} ms each`,
);
console.log(row('bare fastify + ServiceClient', b));
console.log(row('Stages gateway', g));
console.log(
  `ratio gateway / bare: ${(g.rps / b.rps).toFixed(2)} (throughput), ${(g.p50Ms / b.p50Ms).toFixed(2)} (p50 latency), ` +
    `${(g.cpuUs / b.cpuUs).toFixed(2)} (server CPU per request; the steadiest figure on a shared machine)`,
);

await gateway.close();
await bare.close();
await client.close();
await transport.close();
provider.kill('SIGTERM');

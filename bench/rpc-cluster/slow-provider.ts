/**
 * One of three provider processes is slow (every call waits 20 ms): how each balancer copes. Same load for each
 * (concurrency 16, 3 s), real gRPC processes on loopback, a static provider list. Prints calls/s, p50/p99 and the
 * share of calls the slow provider got; the latency-aware balancer should send it the least and win on p99.
 * Run: node --import @swc-node/register/esm-register bench/rpc-cluster/slow-provider.ts
 */
import { StaticRegistry } from '@stages/registry';
import { GrpcClientTransport, ServiceClient } from '@stages/rpc';
import { startProcess } from '@stages/test-harness';

process.env.STAGES_LOG_LEVEL ??= 'warn';
const FIXTURE = 'packages/rpc/test/client/fixtures/cluster-provider.ts';
const SLOW_MS = Number(process.env.SLOW_MS ?? 20);
const RUN_MS = Number(process.env.RUN_MS ?? 3_000);
const CONCURRENCY = 16;

const handles = await Promise.all(
  [0, SLOW_MS, 0].map((delay) =>
    startProcess({
      args: [FIXTURE],
      env: { DELAY_MS: String(delay), STAGES_LOG_LEVEL: 'warn' },
      ready: /listening \d+/,
    }),
  ),
);
const ports = handles.map((h) => Number(/listening (\d+)/.exec(h.output())![1]));
const slowPort = ports[1]!;
const registry = new StaticRegistry({
  providers: ports.map((port) => ({ service: 'cluster-echo', host: '127.0.0.1', port, metadata: { warmupMs: '0' } })),
});
const transport = new GrpcClientTransport();

const rows: string[] = [];
try {
  for (const balancer of ['random', 'round-robin', 'least-active', 'latency-aware']) {
    const client = new ServiceClient({
      service: 'cluster-echo',
      registry,
      transports: [transport],
      balancer,
      methods: { whoami: { idempotent: true } },
    });
    await client.ready();
    for (let i = 0; i < 300; i++) await client.call('whoami', {}); // warm connections and JIT
    const latencies: number[] = [];
    let slow = 0;
    const stop = performance.now() + RUN_MS;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < stop) {
          const t0 = performance.now();
          const r = (await client.call('whoami', {})) as { id: string };
          latencies.push(performance.now() - t0);
          if (r.id.startsWith(`127.0.0.1:${slowPort}:`)) slow++;
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(2);
    rows.push(
      `${balancer.padEnd(14)} ${Math.round(latencies.length / (RUN_MS / 1000))
        .toString()
        .padStart(
          8,
        )} calls/s   p50 ${q(0.5).padStart(6)} ms   p99 ${q(0.99).padStart(6)} ms   slow provider got ${((slow / latencies.length) * 100).toFixed(1)}%`,
    );
    await client.close();
  }
} finally {
  await transport.close();
  await Promise.all(handles.map((h) => h.stop(2_000)));
}
console.log(`three providers, one ${SLOW_MS} ms slower; concurrency ${CONCURRENCY}, ${RUN_MS} ms per balancer`);
for (const row of rows) console.log(row);

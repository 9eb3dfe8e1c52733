/**
 * What the client side of the cluster (filters, balancer, breaker, failover, span, metrics, metadata) costs per
 * call, measured against calling the transport directly, with a transport that answers at once so only the
 * cluster's own work is timed. Run: node --import @swc-node/register/esm-register bench/rpc-cluster/client-overhead.ts
 */
import type { ProviderInstance, ProvidersListener, Registry } from '@stages/registry';
import { type ClientTransport, type OutgoingCall, ServiceClient } from '@stages/rpc';
import { echoProvider } from '../rpc/echo-provider.js';

process.env.STAGES_LOG_LEVEL ??= 'warn';

const providers: ProviderInstance[] = [0, 1, 2].map((i) => ({ ...echoProvider(9000 + i, 'null'), id: `p${i}` }));

const registry: Registry = {
  name: 'static',
  async register() {},
  async deregister() {},
  subscribe(_s: string, l: ProvidersListener) {
    queueMicrotask(() => l({ providers, stale: false }));
    return () => {};
  },
  async lookup() {
    return providers;
  },
  async services() {
    return ['echo'];
  },
  async close() {},
};

const transport: ClientTransport = {
  protocol: 'null',
  invoke: async (_p: ProviderInstance, call: OutgoingCall) => call.payload,
  async close() {},
};

/** CPU per call (user + system), which other work on a shared machine distorts far less than calls/s. */
async function measure(name: string, fn: () => Promise<unknown>, concurrency: number, ms = 2_000): Promise<number> {
  for (let i = 0; i < 20_000; i++) await fn(); // warm up
  let calls = 0;
  const cpu0 = process.cpuUsage();
  const stop = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < stop) {
        await fn();
        calls++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const usPerCall = (cpu.user + cpu.system) / calls;
  console.log(
    `${name.padEnd(44)} ${Math.round(calls / (ms / 1000))
      .toLocaleString('en-US')
      .padStart(12)} calls/s ${usPerCall.toFixed(2).padStart(8)} µs CPU/call`,
  );
  return usPerCall;
}

const payload = { text: 'x'.repeat(100) };
const direct = await measure(
  'transport.invoke directly',
  () =>
    transport.invoke(providers[0]!, {
      service: 'echo',
      method: 'echo',
      payload,
      deadline: Date.now() + 1000,
      metadata: {},
    }),
  64,
);
const results: [string, number][] = [];
for (const balancer of ['random', 'round-robin', 'least-active', 'consistent-hash', 'latency-aware']) {
  const client = new ServiceClient({
    service: 'echo',
    registry,
    transports: [transport],
    balancer,
    methods: { echo: { idempotent: true, hashKey: 'text' } },
  });
  await client.ready();
  results.push([
    balancer,
    await measure(`ServiceClient.call, ${balancer} + breaker`, () => client.call('echo', payload), 64),
  ]);
  await client.close();
}
const none = new ServiceClient({ service: 'echo', registry, transports: [transport], breaker: 'none' });
await none.ready();
results.push([
  'random, no breaker',
  await measure('ServiceClient.call, random, no breaker', () => none.call('echo', payload), 64),
]);
console.log('\nCPU the cluster adds per call (client minus direct):');
for (const [name, us] of results) console.log(`  ${name.padEnd(22)} ${(us - direct).toFixed(2)} µs`);

/**
 * The HTTP load generator for bench/gateway/throughput.ts, in its own process so it does not share the
 * event loop of what it measures. argv: url-base durationMs concurrency. Keep-alive agent, a bounded run,
 * loopback only. Prints one JSON line: { requests, errors, rps, p50Ms, p99Ms }.
 */
import { Agent, request } from 'node:http';

const [base, durationArg, concurrencyArg] = process.argv.slice(2);
const durationMs = Number(durationArg);
const concurrency = Number(concurrencyArg);
const url = new URL(base!);
if (url.hostname !== '127.0.0.1') throw new Error('loopback only');
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function get(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, agent, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const latencies: number[] = [];
let errors = 0;
const end = performance.now() + durationMs;
await Promise.all(
  Array.from({ length: concurrency }, async (_, w) => {
    let i = w;
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const status = await get(`/products/p${i++ % 100}`);
        if (status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  }),
);
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
console.log(
  JSON.stringify({
    requests: latencies.length,
    errors,
    rps: (latencies.length / durationMs) * 1000,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
  }),
);
agent.destroy();

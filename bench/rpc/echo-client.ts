/**
 * The bench's client process: runs closed-loop echo cells against one server and prints one JSON line per cell.
 * MODE=raw | raw-deadline | idl | mux | cluster | moleculer; PORT; CONCURRENCY=1,16,64,256; CELL_MS; WARMUP_MS; TELEMETRY=1.
 */
import { readFileSync } from 'node:fs';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { echoProvider } from './echo-provider.js';

const MODE = process.env.MODE ?? 'mux';
const PORT = Number(process.env.PORT);
const CONCURRENCY = (process.env.CONCURRENCY ?? '1,16,64,256').split(',').map(Number);
const CELL_MS = Number(process.env.CELL_MS ?? 2500);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 500);
const PROTO = fileURLToPath(new URL('./echo.proto', import.meta.url));
const TEXT = 'x'.repeat(90);
if (process.env.TELEMETRY === '1') (await import('./telemetry.js')).enableTelemetry();

type Echo = (seq: number) => Promise<unknown>;

/** Tuning knobs for experiments: MUX_FRAMES (frames per message), MUX_STREAMS (streams per provider). */
function muxOptions() {
  return {
    ...(process.env.MUX_FRAMES ? { framesPerMessage: Number(process.env.MUX_FRAMES) } : {}),
    ...(process.env.MUX_STREAMS ? { streamsPerProvider: Number(process.env.MUX_STREAMS) } : {}),
  };
}

async function makeClient(): Promise<{ echo: Echo; close(): Promise<void> }> {
  const provider = echoProvider(PORT, MODE === 'idl' ? 'grpc-idl' : 'grpc');
  const call = (seq: number) => ({
    service: 'echo',
    method: 'echo',
    payload: { text: TEXT, seq },
    deadline: Date.now() + 10_000,
    metadata: {},
  });
  if (MODE === 'raw' || MODE === 'raw-deadline') {
    // raw-deadline sets the same 10 s deadline every Stages call carries, so grpc-js sends grpc-timeout and both
    // sides run a deadline timer: the like-for-like baseline for IDL mode. Plain raw is the bare floor.
    const grpc = await import('@grpc/grpc-js');
    const loader = await import('@grpc/proto-loader');
    const pkg = grpc.loadPackageDefinition(loader.loadSync(PROTO)) as unknown as {
      bench: { Echo: new (a: string, c: unknown) => { Echo: Function; close(): void } };
    };
    const client = new pkg.bench.Echo(`127.0.0.1:${PORT}`, grpc.credentials.createInsecure());
    return {
      echo: (seq) =>
        new Promise((resolve, reject) =>
          MODE === 'raw'
            ? client.Echo({ text: TEXT, seq }, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r)))
            : client.Echo({ text: TEXT, seq }, { deadline: Date.now() + 10_000 }, (e: Error | null, r: unknown) =>
                e ? reject(e) : resolve(r),
              ),
        ),
      close: async () => client.close(),
    };
  }
  if (MODE === 'idl') {
    const { GrpcIdlClientTransport } = await import('@stages/rpc');
    const t = new GrpcIdlClientTransport({ protos: { echo: { file: PROTO, service: 'bench.Echo' } } });
    return { echo: (seq) => t.invoke(provider, call(seq)), close: () => t.close() };
  }
  if (MODE === 'mux') {
    const { GrpcClientTransport } = await import('@stages/rpc');
    const t = new GrpcClientTransport(muxOptions());
    return { echo: (seq) => t.invoke(provider, call(seq)), close: () => t.close() };
  }
  if (MODE === 'cluster') {
    const { GrpcClientTransport, ServiceClient } = await import('@stages/rpc');
    const { StaticRegistry } = await import('@stages/registry');
    const t = new GrpcClientTransport(muxOptions());
    const registry = new StaticRegistry({ providers: [{ service: 'echo', host: '127.0.0.1', port: PORT }] });
    // Balancer and breaker on (the defaults: weighted random, one opossum breaker per provider), failover mode.
    const client = new ServiceClient({
      service: 'echo',
      registry,
      transports: [t],
      timeoutMs: 10_000,
      ...(process.env.BREAKER ? { breaker: process.env.BREAKER } : {}),
    });
    await client.ready();
    return {
      echo: (seq) => client.call('echo', { text: TEXT, seq }),
      close: async () => {
        await t.close();
        await registry.close();
      },
    };
  }
  if (MODE === 'moleculer') {
    const { ServiceBroker } = await import('moleculer');
    const broker = new ServiceBroker({
      nodeID: 'bench-client',
      logger: false,
      transporter: {
        type: 'TCP',
        options: { udpDiscovery: false, port: Number(process.env.OWN_PORT), urls: process.env.URLS },
      },
    });
    await broker.start();
    await broker.waitForServices('echo', 10_000);
    return { echo: (seq) => broker.call('echo.echo', { text: TEXT, seq }), close: () => broker.stop() };
  }
  throw new Error(`unknown MODE ${MODE}`);
}

/**
 * CPU time (ms) used so far by the server process, from /proc: on a shared 2-core machine throughput depends on
 * what else runs, while CPU per call does not, so the bench reports both.
 */
function serverCpuMs(): number {
  const pid = process.env.SERVER_PID;
  if (!pid) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * Latencies in fixed 64k-entry Float64Array chunks: one growing array of a million numbers is copied on every
 * doubling and lives in the old generation, which charges the bench's own garbage to the scenario under test
 * (more to the faster ones, which record more calls).
 */
class Latencies {
  readonly #chunks: Float64Array[] = [];
  #current = new Float64Array(0);
  #used = 0;
  length = 0;

  push(value: number): void {
    if (this.#used === this.#current.length) {
      this.#current = new Float64Array(65_536);
      this.#chunks.push(this.#current);
      this.#used = 0;
    }
    this.#current[this.#used++] = value;
    this.length++;
  }

  sorted(): Float64Array {
    const all = new Float64Array(this.length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      const part = chunk.subarray(0, Math.min(chunk.length, this.length - offset));
      all.set(part, offset);
      offset += part.length;
    }
    return all.sort();
  }
}

async function cell(echo: Echo, concurrency: number, ms: number, record: boolean) {
  const latencies = new Latencies();
  let errors = 0;
  let seq = 0;
  const until = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      try {
        await echo(seq++);
        if (record) latencies.push(performance.now() - started);
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  const serverCpu = serverCpuMs();
  const gc = watchGc();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  const collections = gc.stop();
  const used = process.cpuUsage(cpu);
  const clientUs = (used.user + used.system) / Math.max(1, latencies.length);
  const serverUs = ((serverCpuMs() - serverCpu) * 1000) / Math.max(1, latencies.length);
  const sorted = latencies.sorted();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return {
    concurrency,
    calls: latencies.length,
    perSecond: (latencies.length / elapsed) * 1000,
    p50: at(0.5),
    p99: at(0.99),
    clientUs,
    serverUs,
    errors,
    ...collections,
  };
}

/**
 * The client's garbage collections during a cell: how many were full (mark-compact) and the time all of them took.
 * Full collections in a fast cell mean something keeps short-lived objects alive: that is how the mux's Map of calls
 * in flight was found (6-14 full collections per 2.5 s cell, throughput a quarter lower; see grpc/call-table.ts).
 */
function watchGc(): { stop(): { gcMajor: number; gcMs: number } } {
  let gcMajor = 0;
  let gcMs = 0;
  const count = (entries: PerformanceEntry[]) => {
    for (const entry of entries) {
      gcMs += entry.duration;
      const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcMajor++;
    }
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      count(observer.takeRecords());
      observer.disconnect();
      return { gcMajor, gcMs };
    },
  };
}

const client = await makeClient();
for (const concurrency of CONCURRENCY) {
  await cell(client.echo, concurrency, WARMUP_MS, false);
  console.log(JSON.stringify(await cell(client.echo, concurrency, CELL_MS, true)));
}
await client.close();
process.exit(0);

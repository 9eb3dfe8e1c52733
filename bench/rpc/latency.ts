/**
 * Latency at concurrency 1, paired: one client process alternates short blocks of sequential calls between
 * Moleculer's TCP transporter, a bare TCP echo, a bare HTTP/2 (gRPC-framed) echo, the Stages mux transport and the
 * Stages cluster client, each against its own server process. Every variant sees the same machine at nearly the
 * same moments, so drift (other tenants, CPU frequency, a VM's vCPU being descheduled) cancels out of the
 * comparison, where bench/rpc/echo.ts runs scenarios one after another and its c=1 cells can differ by tens of
 * microseconds from run to run on a shared VM.
 *
 *   node --import @swc-node/register/esm-register bench/rpc/latency.ts
 *   BLOCK=500 ROUNDS=40 BUSY=1 node --import @swc-node/register/esm-register bench/rpc/latency.ts
 *
 * BUSY=1 runs a lowest-priority spinning process meanwhile. On a VM, a vCPU with nothing to run halts and is woken
 * by the host, which at concurrency 1 happens twice per call and costs more than the call itself; keeping the
 * vCPUs busy takes that out, leaving the work each side really does per call. The bare echoes are the floor: what
 * any framework on that transport must at least take.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect as connectH2 } from 'node:http2';
import { connect as connectTcp, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { echoProvider } from './echo-provider.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BLOCK = Number(process.env.BLOCK ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 40);
const TEXT = 'x'.repeat(90);
/** SERVER_CPU=1 pins every server to that CPU (run the client under `taskset -c 0` to keep the two apart). */
const SERVER_CPU = process.env.SERVER_CPU;

interface Variant {
  readonly name: string;
  echo(seq: number): Promise<unknown>;
}

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function startServer(env: Record<string, string>): Promise<number> {
  const args = ['--import', '@swc-node/register/esm-register', 'bench/rpc/latency-server.ts'];
  const [command, argv] =
    SERVER_CPU === undefined ? [process.execPath, args] : ['taskset', ['-c', SERVER_CPU, process.execPath, ...args]];
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { ...process.env, STAGES_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(/listening (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`${env.KIND} server exited (${code})`)));
  });
}

/** A request message as the Stages mux writes it: one request frame, the payload last. */
function requestMessage(id: number, seq: number): Buffer {
  return Buffer.from(`[[0,${id},"echo","echo",9999,0,${JSON.stringify({ text: TEXT, seq })}]]`);
}

/**
 * A sequential echo client over a byte stream whose messages have a `prefix`-byte header ending in the length: the
 * least a client can do (no ids to match, one call at a time).
 */
function bareClient(
  name: string,
  prefix: number,
  write: (message: Buffer) => void,
  onData: (listener: (chunk: Buffer) => void) => void,
): Variant {
  let answered: ((value: unknown) => void) | undefined;
  let pending: Buffer | undefined;
  onData((chunk) => {
    let data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    while (data.length >= prefix) {
      const length = data.readUInt32BE(prefix - 4);
      if (data.length < prefix + length) break;
      const frames = JSON.parse(data.subarray(prefix, prefix + length).toString('utf8')) as unknown[][];
      data = data.subarray(prefix + length);
      answered?.(frames[0]![2]);
    }
    pending = data.length > 0 ? data : undefined;
  });
  let id = 0;
  return {
    name,
    echo: (seq) =>
      new Promise((resolve) => {
        answered = resolve;
        const body = requestMessage(++id, seq);
        const message = Buffer.alloc(prefix + body.length);
        message.writeUInt32BE(body.length, prefix - 4);
        body.copy(message, prefix);
        write(message);
      }),
  };
}

async function moleculer(): Promise<Variant> {
  const [serverPort, clientPort] = [await freePort(), await freePort()];
  const urls = `127.0.0.1:${serverPort}/latency-server,127.0.0.1:${clientPort}/latency-client`;
  await startServer({ KIND: 'moleculer', PORT: String(serverPort), URLS: urls });
  const { ServiceBroker } = await import('moleculer');
  const broker = new ServiceBroker({
    nodeID: 'latency-client',
    logger: false,
    transporter: { type: 'TCP', options: { udpDiscovery: false, port: clientPort, urls } },
  });
  await broker.start();
  await broker.waitForServices('echo', 10_000);
  return { name: 'moleculer TCP', echo: (seq) => broker.call('echo.echo', { text: TEXT, seq }) };
}

async function bareTcp(): Promise<Variant> {
  const port = await startServer({ KIND: 'tcp' });
  const socket = connectTcp(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  return bareClient(
    'bare TCP echo',
    4,
    (message) => socket.write(message),
    (listener) => socket.on('data', listener),
  );
}

async function bareH2(): Promise<Variant> {
  const port = await startServer({ KIND: 'h2' });
  const session = connectH2(`http://127.0.0.1:${port}`);
  const stream = session.request({
    ':method': 'POST',
    ':path': '/stages.Mux/Stream',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  return bareClient(
    'bare HTTP/2 echo',
    5,
    (message) => stream.write(message),
    (listener) => stream.on('data', listener),
  );
}

async function stages(cluster: boolean): Promise<Variant> {
  const port = await startServer({ KIND: 'stages' });
  const { GrpcClientTransport, ServiceClient } = await import('@stages/rpc');
  const transport = new GrpcClientTransport();
  if (!cluster) {
    const provider = echoProvider(port);
    return {
      name: 'stages mux transport',
      echo: (seq) =>
        transport.invoke(provider, {
          service: 'echo',
          method: 'echo',
          payload: { text: TEXT, seq },
          deadline: Date.now() + 10_000,
          metadata: {},
        }),
    };
  }
  const { StaticRegistry } = await import('@stages/registry');
  const registry = new StaticRegistry({ providers: [{ service: 'echo', host: '127.0.0.1', port }] });
  // Balancer and breaker on (weighted random, one opossum breaker per provider), failover: as in echo.ts.
  const client = new ServiceClient({ service: 'echo', registry, transports: [transport], timeoutMs: 10_000 });
  await client.ready();
  return { name: 'stages cluster', echo: (seq) => client.call('echo', { text: TEXT, seq }) };
}

function startSpinner(): ChildProcess {
  const spinner = spawn('nice', ['-n', '19', process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore' });
  children.push(spinner);
  return spinner;
}

const quantile = (sorted: Float64Array, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

// ONLY=moleculer,bare,stages picks variants by a part of their names (the first one listed is the reference).
const makers: [string, () => Promise<Variant>][] = [
  ['moleculer TCP', moleculer],
  ['bare TCP echo', bareTcp],
  ['bare HTTP/2 echo', bareH2],
  ['stages mux transport', () => stages(false)],
  ['stages cluster', () => stages(true)],
];
const only = process.env.ONLY?.split(',');
const variants: Variant[] = [];
for (const [name, make] of makers) if (!only || only.some((o) => name.includes(o))) variants.push(await make());
const spinner = process.env.BUSY === '1' ? startSpinner() : undefined;
let seq = 0;
for (const variant of variants) for (let i = 0; i < 2_000; i++) await variant.echo(seq++);
const all = variants.map(() => new Float64Array(BLOCK * ROUNDS));
const roundMedians = variants.map(() => new Float64Array(ROUNDS));
for (let round = 0; round < ROUNDS; round++) {
  for (let v = 0; v < variants.length; v++) {
    const block = new Float64Array(BLOCK);
    for (let i = 0; i < BLOCK; i++) {
      const started = performance.now();
      await variants[v]!.echo(seq++);
      block[i] = (performance.now() - started) * 1000;
    }
    all[v]!.set(block, round * BLOCK);
    roundMedians[v]![round] = quantile(block.sort(), 0.5);
  }
}
spinner?.kill('SIGKILL');

console.log(
  `\nlatency at concurrency 1, µs: ${ROUNDS} rounds of ${BLOCK} calls per variant, interleaved${spinner ? ', vCPUs kept busy (BUSY=1)' : ''}`,
);
const p50 = all.map((a) => quantile(a.sort(), 0.5));
const byName = (part: string) => variants.findIndex((v) => v.name.includes(part));
const moleculerP50 = p50[byName('moleculer')] ?? Number.NaN;
const floorP50 = p50[byName('HTTP/2')] ?? Number.NaN;
for (let v = 0; v < variants.length; v++) {
  const sorted = all[v]!;
  const medians = roundMedians[v]!.sort();
  console.log(
    `${variants[v]!.name.padEnd(22)} p50 ${p50[v]!.toFixed(1).padStart(6)}  p90 ${quantile(sorted, 0.9).toFixed(1).padStart(6)}  ` +
      `p99 ${quantile(sorted, 0.99).toFixed(1).padStart(6)}  rounds' p50 ${quantile(medians, 0.1).toFixed(1)}..${quantile(medians, 0.9).toFixed(1)}  ` +
      `vs moleculer ${(p50[v]! / moleculerP50).toFixed(2)}  over HTTP/2 floor ${(p50[v]! - floorP50).toFixed(1)}`,
  );
}
process.exit(0);

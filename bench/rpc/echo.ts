/**
 * RPC echo benchmark: the same ~100-byte echo with client and server in separate processes, closed loop at
 * concurrency 1, 16, 64 and 256, for raw @grpc/grpc-js unary (the baseline), Stages IDL-mode unary, the Stages
 * mux transport alone, the Stages cluster client (balancer and breaker on) with telemetry off and on, and
 * Moleculer 0.15 over its TCP transporter. Prints calls/s, p50/p99 and the ratios the targets are stated in.
 *
 *   node --import @swc-node/register/esm-register bench/rpc/echo.ts
 *   CELL_MS=2500 WARMUP_MS=500 ONLY=raw,mux ROUNDS=3 node --import @swc-node/register/esm-register bench/rpc/echo.ts
 *   (ONLY matches parts of scenario names, case-sensitive: raw, IDL, mux, cluster, moleculer)
 *
 * ROUNDS > 1 runs every scenario that many times, interleaved, and keeps each cell's best round: on a machine
 * shared with other work, interference only ever slows a round down, so the best is the least disturbed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CELL_MS = process.env.CELL_MS ?? '2500';
const WARMUP_MS = process.env.WARMUP_MS ?? '500';
const CONCURRENCY = process.env.CONCURRENCY ?? '1,16,64,256';

interface Scenario {
  name: string;
  server: Record<string, string>;
  client: Record<string, string>;
  moleculer?: boolean;
}

const scenarios: Scenario[] = [
  { name: 'raw grpc-js unary', server: { MODE: 'raw' }, client: { MODE: 'raw' } },
  { name: 'raw grpc-js unary, 10 s deadline', server: { MODE: 'raw' }, client: { MODE: 'raw-deadline' } },
  { name: 'stages IDL unary', server: { MODE: 'stages' }, client: { MODE: 'idl' } },
  { name: 'stages mux transport', server: { MODE: 'stages' }, client: { MODE: 'mux' } },
  { name: 'stages cluster, telemetry off', server: { MODE: 'stages' }, client: { MODE: 'cluster' } },
  {
    name: 'stages cluster, telemetry on',
    server: { MODE: 'stages', TELEMETRY: '1' },
    client: { MODE: 'cluster', TELEMETRY: '1' },
  },
  { name: 'moleculer TCP', server: { MODE: 'moleculer' }, client: { MODE: 'moleculer' }, moleculer: true },
];

interface Cell {
  concurrency: number;
  calls: number;
  perSecond: number;
  p50: number;
  p99: number;
  clientUs: number;
  serverUs: number;
  /** Client garbage collections in the cell: full ones, and ms spent in all of them. */
  gcMajor: number;
  gcMs: number;
  errors: number;
}

function node(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', '@swc-node/register/esm-register', `bench/rpc/${script}`], {
    cwd: ROOT,
    env: { ...process.env, STAGES_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      onLine(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function run(scenario: Scenario): Promise<Cell[]> {
  const extra: Record<string, string> = {};
  let clientExtra: Record<string, string> = {};
  if (scenario.moleculer) {
    const [serverPort, clientPort] = [await freePort(), await freePort()];
    const urls = `127.0.0.1:${serverPort}/bench-server,127.0.0.1:${clientPort}/bench-client`;
    Object.assign(extra, { PORT: String(serverPort), URLS: urls });
    clientExtra = { OWN_PORT: String(clientPort), URLS: urls };
  }
  const server = node('echo-server.ts', { ...scenario.server, ...extra });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      lines(server, (line) => {
        const m = line.match(/listening (\d+)/);
        if (m) resolve(m[1]!);
      });
      server.on('exit', (code) => reject(new Error(`${scenario.name} server exited (${code})`)));
    });
    const client = node('echo-client.ts', {
      ...scenario.client,
      ...clientExtra,
      PORT: port,
      SERVER_PID: String(server.pid),
      CELL_MS,
      WARMUP_MS,
      CONCURRENCY,
    });
    const cells: Cell[] = [];
    lines(client, (line) => {
      if (line.startsWith('{')) cells.push(JSON.parse(line) as Cell);
    });
    await new Promise((resolve) => client.on('exit', resolve));
    return cells;
  } finally {
    server.kill('SIGKILL');
  }
}

const only = process.env.ONLY?.split(',');
const rounds = Math.max(1, Number(process.env.ROUNDS ?? 1));
const results = new Map<string, Cell[]>();
const chosen = scenarios.filter((scenario) => !only || only.some((o) => scenario.name.includes(o)));
for (let round = 0; round < rounds; round++) {
  for (const scenario of chosen) {
    const cells = await run(scenario);
    const best = results.get(scenario.name) ?? [];
    for (const cell of cells) {
      const i = best.findIndex((b) => b.concurrency === cell.concurrency);
      if (i < 0) best.push(cell);
      else if (cell.perSecond > best[i]!.perSecond) best[i] = cell;
    }
    results.set(scenario.name, best);
  }
}
for (const scenario of chosen) {
  for (const c of results.get(scenario.name) ?? []) {
    console.log(
      `${scenario.name.padEnd(32)} c=${String(c.concurrency).padEnd(4)} ${Math.round(c.perSecond).toString().padStart(7)} calls/s  p50 ${c.p50.toFixed(3)} ms  p99 ${c.p99.toFixed(3)} ms  cpu/call client ${c.clientUs.toFixed(1)} µs server ${c.serverUs.toFixed(1)} µs  client gc ${c.gcMajor} full, ${Math.round(c.gcMs)} ms${c.errors ? `  errors ${c.errors}` : ''}`,
    );
  }
}

const cellOf = (name: string, c: number) => results.get(name)?.find((x) => x.concurrency === c);
const ratio = (a?: Cell, b?: Cell) => (a && b ? (a.perSecond / b.perSecond).toFixed(2) : 'n/a');
console.log('\nratios (calls/s)');
for (const c of CONCURRENCY.split(',').map(Number)) {
  const raw = cellOf('raw grpc-js unary', c);
  const rawDeadline = cellOf('raw grpc-js unary, 10 s deadline', c);
  const mol = cellOf('moleculer TCP', c);
  console.log(
    `c=${String(c).padEnd(4)} IDL/raw ${ratio(cellOf('stages IDL unary', c), raw)}  IDL/raw-with-deadline ${ratio(cellOf('stages IDL unary', c), rawDeadline)}  mux/raw ${ratio(cellOf('stages mux transport', c), raw)}  ` +
      `mux/moleculer ${ratio(cellOf('stages mux transport', c), mol)}  cluster/moleculer ${ratio(cellOf('stages cluster, telemetry off', c), mol)}  ` +
      `cluster+telemetry/moleculer ${ratio(cellOf('stages cluster, telemetry on', c), mol)}`,
  );
}
const p50 = (name: string) => cellOf(name, 1)?.p50.toFixed(3) ?? 'n/a';
console.log(
  `p50 at c=1: raw ${p50('raw grpc-js unary')} ms, IDL ${p50('stages IDL unary')} ms, mux ${p50('stages mux transport')} ms, cluster ${p50('stages cluster, telemetry off')} ms, moleculer ${p50('moleculer TCP')} ms`,
);

/**
 * Cost of a call between two services in one process (monolith mode), against a plain method call and against
 * Moleculer's local call (its in-process equivalent). Stages' call goes through the same ServiceClient (filters,
 * balancer, breaker, deadline) and server pipeline (validation, bulkheads, span, metrics) as a gRPC call, and
 * copies the payload both ways; this measures what that costs. Each side runs in its own fresh process (one
 * side's garbage and hooks must not slow the other).
 *   node --import @swc-node/register/esm-register bench/core/monolith-call.ts
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CELL_MS = Number(process.env.CELL_MS ?? 2_000);
const PAYLOAD = { text: 'x'.repeat(90), n: 1 };
const SIDES = ['direct', 'moleculer', 'stages'] as const;
type Side = (typeof SIDES)[number];

async function measure(concurrency: number, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5_000; i++) await call(); // JIT and lazily built clients
  let count = 0;
  const until = performance.now() + CELL_MS;
  const worker = async () => {
    while (performance.now() < until) {
      await call();
      count++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((performance.now() - started) / 1000);
}

async function side(name: Side): Promise<void> {
  let call: () => Promise<unknown>;
  let close = async () => {};
  if (name === 'direct') {
    const echo = async (req: unknown) => req;
    call = () => echo(PAYLOAD);
  } else if (name === 'moleculer') {
    const { ServiceBroker } = await import('moleculer');
    const broker = new ServiceBroker({ logger: false, metrics: false, tracing: false });
    broker.createService({ name: 'echo', actions: { echo: (ctx: { params: unknown }) => ctx.params } });
    await broker.start();
    call = () => broker.call('echo.echo', PAYLOAD);
    close = () => broker.stop();
  } else {
    const { Rpc, Service, Stages } = await import('@stages/core');
    @Service({ name: 'echo' })
    class EchoService {
      @Rpc({ idempotent: true })
      async echo(req: unknown) {
        return req;
      }
    }
    const app = await Stages.create({
      services: [EchoService],
      handleSignals: false,
      config: { admin: { enabled: false } },
    }).start();
    const client = app.client<{ echo(req: unknown): Promise<unknown> }>(EchoService);
    call = () => client.echo(PAYLOAD);
    close = () => app.stop();
  }
  const result = { c1: await measure(1, call), c64: await measure(64, call) };
  await close();
  console.log(JSON.stringify(result));
}

if (process.env.SIDE) {
  await side(process.env.SIDE as Side);
} else {
  const results = {} as Record<Side, { c1: number; c64: number }>;
  for (const name of SIDES) {
    const run = spawnSync(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', fileURLToPath(import.meta.url)],
      { env: { ...process.env, SIDE: name, STAGES_LOG_LEVEL: 'warn' }, encoding: 'utf8' },
    );
    const line = run.stdout.trim().split('\n').pop() ?? '';
    if (run.status !== 0 || !line.startsWith('{')) throw new Error(`${name} failed:\n${run.stderr}`);
    results[name] = JSON.parse(line);
  }
  for (const key of ['c1', 'c64'] as const) {
    console.log(`concurrency ${key.slice(1)}`);
    for (const name of SIDES) {
      const ops = results[name][key];
      const ratio = (ops / results.moleculer[key]).toFixed(2);
      console.log(
        `  ${name.padEnd(10)} ${Math.round(ops).toString().padStart(9)} ops/s  ${(1e6 / ops).toFixed(2).padStart(7)} µs/op  x${ratio} vs moleculer`,
      );
    }
  }
}

/**
 * How long a central config publish takes to reach every instance, against raw node-zookeeper-client doing the
 * same (setData, then a data watch re-reading the node on three clients).
 *
 *   node --import @swc-node/register/esm-register bench/config/propagation.ts [rounds]
 *
 * Stages' path per round: ConfigStore.publish (one multi: seq CAS + version node + current pointer) -> each
 * instance's watch -> re-read current and gray -> merge of six layers -> zod validation -> onChange listener.
 * The raw path: one setData -> watch -> getData. Reported: the slowest of the three instances per round.
 */
import { createRequire } from 'node:module';
import { startZooKeeper } from '@stages/test-harness';
import * as z from 'zod';

// Before the package loads: its logger reads the level once, and a JSON line per change would drown the table.
process.env.STAGES_LOG_LEVEL ??= 'error';
const { ConfigStore, createConfig, ZkSession } = await import('../../packages/config/src/index.js');
const ROUNDS = Number(process.argv[2] ?? 60);
const INSTANCES = 3;

const schema = z.object({
  round: z.number().int().default(0),
  db: z.object({ pool: z.object({ max: z.number().int().min(1).default(4) }) }),
});

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { median: at(0.5), p95: at(0.95), max: s.at(-1) ?? Number.NaN };
}
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function stagesRounds(connectionString: string): Promise<{ slowest: number[]; publish: number[] }> {
  const admin = new ZkSession({ connectionString });
  await admin.waitConnected(10_000);
  const store = new ConfigStore(admin);
  const scope = { namespace: 'bench', app: 'orders' };
  await store.publish(scope, { round: 0, db: { pool: { max: 4 } } }, { author: 'bench', message: 'start' });
  const instances = await Promise.all(
    Array.from({ length: INSTANCES }, (_, i) =>
      createConfig({
        schema,
        env: false,
        instance: { id: `bench-${i}` },
        central: {
          zookeeper: connectionString,
          namespace: 'bench',
          app: 'orders',
          profile: 'prod',
          snapshotPath: false,
        },
      }),
    ),
  );
  const slowest: number[] = [];
  const publish: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const seen = instances.map(
      (config) =>
        new Promise<number>((resolve) => {
          const off = config.onChange('round', (value) => {
            if (value !== round) return;
            off();
            resolve(performance.now());
          });
        }),
    );
    const started = performance.now();
    await store.publish(
      scope,
      { round, db: { pool: { max: 4 + (round % 3) } } },
      { author: 'bench', message: `round ${round}` },
    );
    publish.push(performance.now() - started);
    const times = await Promise.all(seen);
    slowest.push(Math.max(...times) - started);
  }
  await Promise.all(instances.map((c) => c.close()));
  admin.close();
  return { slowest, publish };
}

interface RawClient {
  connect(): void;
  close(): void;
  once(e: 'connected', fn: () => void): void;
  create(p: string, d: Buffer, cb: (e: unknown) => void): void;
  setData(p: string, d: Buffer, v: number, cb: (e: unknown) => void): void;
  getData(p: string, w: ((e: unknown) => void) | undefined, cb: (e: unknown, data?: Buffer) => void): void;
}

async function rawRounds(connectionString: string): Promise<number[]> {
  const zk = createRequire(import.meta.url)('node-zookeeper-client') as { createClient(c: string): RawClient };
  const open = async () => {
    const c = zk.createClient(connectionString);
    await new Promise<void>((r) => {
      c.once('connected', r);
      c.connect();
    });
    return c;
  };
  const writer = await open();
  const path = '/raw-bench';
  await new Promise<void>((r) => writer.create(path, Buffer.from('0'), () => r()));
  const readers = await Promise.all(Array.from({ length: INSTANCES }, open));
  // The round in flight: which readers have yet to see it, and what to call when none is left.
  let inflight: { round: number; pending: Set<number>; resolve: (at: number) => void } | undefined;
  readers.forEach((reader, index) => {
    const watch = () =>
      reader.getData(path, watch, (_e, data) => {
        const round = Number(data?.toString());
        if (!inflight || round !== inflight.round || !inflight.pending.delete(index)) return;
        if (inflight.pending.size === 0) inflight.resolve(performance.now());
      });
    watch();
  });
  const slowest: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const done = new Promise<number>((resolve) => {
      inflight = { round, pending: new Set(readers.map((_, i) => i)), resolve };
    });
    const started = performance.now();
    await new Promise<void>((r) => writer.setData(path, Buffer.from(String(round)), -1, () => r()));
    slowest.push((await done) - started);
  }
  for (const c of [writer, ...readers]) c.close();
  return slowest;
}

const zk = await startZooKeeper();
try {
  const raw = stats(await rawRounds(zk.connectionString));
  const { slowest, publish } = await stagesRounds(zk.connectionString);
  const stages = stats(slowest);
  const pub = stats(publish);
  console.log(`config propagation to ${INSTANCES} instances, ${ROUNDS} rounds, one standalone ZooKeeper on loopback`);
  console.log(
    `  raw node-zookeeper-client (setData -> watch -> getData): median ${fmt(raw.median)}  p95 ${fmt(raw.p95)}  max ${fmt(raw.max)}`,
  );
  console.log(
    `  stages publish -> every onChange:                     median ${fmt(stages.median)}  p95 ${fmt(stages.p95)}  max ${fmt(stages.max)}`,
  );
  console.log(
    `  stages publish call alone (multi):                    median ${fmt(pub.median)}  p95 ${fmt(pub.p95)}  max ${fmt(pub.max)}`,
  );
  console.log(
    `  ratio stages/raw: median ${(stages.median / raw.median).toFixed(2)}x  p95 ${(stages.p95 / raw.p95).toFixed(2)}x`,
  );
  console.log(`  slowest instance over all rounds: ${fmt(stages.max)} (target: under 1000 ms)`);
} finally {
  await zk.stop();
}

/**
 * Registry at scale on a real ZooKeeper: 1,000 provider instances of 50 services registered from 4 sessions,
 * the time for a fresh consumer to subscribe to all 50, and the time for one change to reach a subscriber
 * (p50/p99), each beside the same work done with raw node-zookeeper-client calls in the same run. Stages and
 * raw changes are interleaved one by one, so disk hiccups (every ZooKeeper write is fsynced) hit both alike.
 *
 *   node --import @swc-node/register/esm-register bench/registry/propagation.ts
 *
 * ZK=127.0.0.1:PORT uses a running ZooKeeper instead of starting one (loopback only).
 */
import { createRequire } from 'node:module';
import { type ProviderInstance, ZOOKEEPER_DEFAULTS, ZooKeeperRegistry } from '@stages/registry';
import { startZooKeeper } from '@stages/test-harness';

process.env.STAGES_LOG_LEVEL ??= 'warn';
const SERVICES = 50;
const INSTANCES = 1_000;
const SESSIONS = 4;
const CHANGES = 200;

interface RawClient {
  connect(): void;
  close(): void;
  once(event: 'connected', fn: () => void): void;
  create(path: string, data: Buffer | null, mode: number, cb: (e: unknown) => void): void;
  mkdirp(path: string, cb: (e: unknown) => void): void;
  getChildren(path: string, watcher: ((e: unknown) => void) | undefined, cb: (e: unknown, c: string[]) => void): void;
  getData(path: string, watcher: ((e: unknown) => void) | undefined, cb: (e: unknown, d: Buffer) => void): void;
}
const raw = createRequire(import.meta.url)('node-zookeeper-client') as {
  createClient(hosts: string): RawClient;
  CreateMode: { EPHEMERAL: number; PERSISTENT: number };
};

const zk = process.env.ZK ? undefined : await startZooKeeper();
const hosts = process.env.ZK ?? zk!.connectionString;
const run = Date.now().toString(36);
const service = (i: number) => `bench.Service${i}`;
const providerOf = (s: number, n: number, tag: string): ProviderInstance => ({
  id: `${tag}-${s}-${n}`,
  service: service(s),
  host: '127.0.0.1',
  port: 20_000 + n,
  protocol: 'grpc',
  version: '1.0.0',
  group: '',
  weight: 100,
  tags: [],
  methods: ['get', 'list', 'create'],
  startTime: Date.now(),
  metadata: { region: 'local' },
});
const fmt = (n: number) => `${n.toFixed(1)} ms`;
const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** A subscriber that can wait for a given id to show up in a service's list. */
function subscriber(registry: ZooKeeperRegistry) {
  const waiting = new Map<string, { id: string; resolve: () => void }>();
  const subscribeAll = () =>
    Promise.all(
      Array.from(
        { length: SERVICES },
        (_, s) =>
          new Promise<void>((resolve) => {
            registry.subscribe(service(s), (update) => {
              if (update.providers.length >= INSTANCES / SERVICES) resolve();
              const w = waiting.get(service(s));
              if (w && update.providers.some((p) => p.id === w.id)) {
                waiting.delete(service(s));
                w.resolve();
              }
            });
          }),
      ),
    );
  const seen = (s: number, id: string) => new Promise<void>((resolve) => waiting.set(service(s), { id, resolve }));
  return { subscribeAll, seen };
}

const timed = async (fn: () => Promise<unknown>) => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

try {
  const ns = `bench${run}`;
  await warmUp(`warm${run}`);
  const rawNs = `/raw${run}`;
  const cold = Array.from(
    { length: SESSIONS },
    () => new ZooKeeperRegistry({ connectionString: hosts, namespace: ns, snapshotDir: false }),
  );
  const rawWriters = await Promise.all(Array.from({ length: SESSIONS }, () => connect(hosts)));
  await Promise.all(cold.map((p) => p.ready()));

  // 1. Register 1,000 instances from 4 sessions (as from 4 provider processes); raw: mkdirp + the same creates.
  //    Cold: a brand-new namespace, directories made on the way. Warm: the sessions restart and register again.
  const registerAll = (sessions: ZooKeeperRegistry[]) =>
    Promise.all(
      Array.from({ length: INSTANCES }, (_, k) => sessions[k % SESSIONS]!.register(providerOf(k % SERVICES, k, 'p'))),
    );
  const rawDir = (s: number) => `${rawNs}/services/${service(s)}/providers`;
  const rawRegisterAll = (writers: RawClient[]) =>
    Promise.all(
      Array.from({ length: INSTANCES }, (_, k) => {
        const p = providerOf(k % SERVICES, k, 'p');
        return call((cb) =>
          writers[k % SESSIONS]!.create(
            `${rawDir(k % SERVICES)}/${encodeURIComponent(p.id)}`,
            Buffer.from(JSON.stringify(p)),
            raw.CreateMode.EPHEMERAL,
            cb,
          ),
        );
      }),
    );
  const coldMs = await timed(() => registerAll(cold));
  const rawColdMs = await timed(async () => {
    await Promise.all(Array.from({ length: SERVICES }, (_, s) => call((cb) => rawWriters[0]!.mkdirp(rawDir(s), cb))));
    await rawRegisterAll(rawWriters);
  });
  await Promise.all(cold.map((p) => p.close()));
  for (const w of rawWriters) w.close();
  const providers = Array.from(
    { length: SESSIONS },
    () => new ZooKeeperRegistry({ connectionString: hosts, namespace: ns, snapshotDir: false }),
  );
  const rawAgain = await Promise.all(Array.from({ length: SESSIONS }, () => connect(hosts)));
  await Promise.all(providers.map((p) => p.ready()));
  const warmMs = await timed(() => registerAll(providers));
  const rawWarmMs = await timed(() => rawRegisterAll(rawAgain));

  // 2. Subscribe to all 50 (children + data watches, as a subscriber needs). One unmeasured pass warms the JIT.
  const warm = new ZooKeeperRegistry({ connectionString: hosts, namespace: ns, snapshotDir: false });
  await warm.ready();
  await subscriber(warm).subscribeAll();
  await warm.close();
  // Three rounds, alternating raw and Stages, medians reported: the machine is shared and noisy.
  const variants = [ZOOKEEPER_DEFAULTS.coalesceMs, 0];
  const rawSubscribe: number[] = [];
  const stagesSubscribe = new Map<number, number[]>(variants.map((v) => [v, []]));
  const consumers: Array<{
    coalesceMs: number;
    registry: ZooKeeperRegistry;
    sub: ReturnType<typeof subscriber>;
    latencies: number[];
  }> = [];
  let rawConsumer: RawClient | undefined;
  for (let round = 0; round < 3; round++) {
    const last = round === 2;
    const client = await connect(hosts);
    rawSubscribe.push(
      await timed(() =>
        Promise.all(
          Array.from({ length: SERVICES }, async (_, s) => {
            const names = await call<string[]>((cb) => client.getChildren(rawDir(s), () => {}, cb));
            await Promise.all(
              names.map((n) => call<Buffer>((cb) => client.getData(`${rawDir(s)}/${n}`, () => {}, cb))),
            );
          }),
        ),
      ),
    );
    if (last) rawConsumer = client;
    else client.close();
    for (const coalesceMs of variants) {
      const registry = new ZooKeeperRegistry({
        connectionString: hosts,
        namespace: ns,
        snapshotDir: false,
        coalesceMs,
      });
      await registry.ready();
      const sub = subscriber(registry);
      stagesSubscribe.get(coalesceMs)!.push(await timed(sub.subscribeAll));
      if (last) consumers.push({ coalesceMs, registry, sub, latencies: [] });
      else await registry.close();
    }
  }
  const rawSubscribeMs = pct(rawSubscribe, 50);

  // 3. One change at a time, interleaved: raw create -> watch -> list -> read, then a Stages register per consumer.
  const rawLatencies: number[] = [];
  for (let c = 0; c < CHANGES; c++) {
    const s = c % SERVICES;
    const name = `raw-${c}`;
    const rc = rawConsumer!;
    await call<string[]>((cb) => rc.getChildren(rawDir(s), undefined, cb));
    const rawSeen = new Promise<void>((resolve) => {
      const onChange = () =>
        rc.getChildren(rawDir(s), undefined, (_e, names) => {
          if (!names.includes(name)) return rc.getChildren(rawDir(s), onChange, () => {});
          rc.getData(`${rawDir(s)}/${name}`, undefined, () => resolve());
        });
      rc.getChildren(rawDir(s), onChange, () => {});
    });
    await call<string[]>((cb) => rc.getChildren(rawDir(s), undefined, cb)); // the watch is in place
    rawLatencies.push(
      await timed(async () => {
        await call((cb) =>
          rawAgain[0]!.create(
            `${rawDir(s)}/${name}`,
            Buffer.from(JSON.stringify(providerOf(s, c, 'raw'))),
            raw.CreateMode.EPHEMERAL,
            cb,
          ),
        );
        await rawSeen;
      }),
    );
    for (const consumer of consumers) {
      const p = providerOf(s, c, `chg${consumer.coalesceMs}`);
      const seen = consumer.sub.seen(s, p.id);
      consumer.latencies.push(
        await timed(async () => {
          await providers[0]!.register(p);
          await seen;
        }),
      );
    }
  }
  rawConsumer?.close();
  for (const w of rawAgain) w.close();
  await Promise.all([...consumers.map((c) => c.registry.close()), ...providers.map((p) => p.close())]);

  const rawP50 = pct(rawLatencies, 50);
  console.log(`registry propagation: ${INSTANCES} instances of ${SERVICES} services from ${SESSIONS} sessions`);
  console.log(
    `  register all, new namespace:  stages ${fmt(coldMs)}  raw mkdirp+create ${fmt(rawColdMs)}  ratio ${(coldMs / rawColdMs).toFixed(2)}x`,
  );
  console.log(
    `  register all, dirs exist:     stages ${fmt(warmMs)}  raw create ${fmt(rawWarmMs)}  ratio ${(warmMs / rawWarmMs).toFixed(2)}x`,
  );
  for (const c of consumers) {
    console.log(
      `  subscribe all ${SERVICES} (coalesce ${c.coalesceMs} ms, median of 3): stages ${fmt(pct(stagesSubscribe.get(c.coalesceMs)!, 50))}  raw list+read+watch ${fmt(rawSubscribeMs)}  ratio ${(pct(stagesSubscribe.get(c.coalesceMs)!, 50) / rawSubscribeMs).toFixed(2)}x`,
    );
  }
  console.log(`  change -> subscriber, ${CHANGES} changes:  raw p50 ${fmt(rawP50)}  p99 ${fmt(pct(rawLatencies, 99))}`);
  for (const c of consumers) {
    console.log(
      `    stages (coalesce ${c.coalesceMs} ms)  p50 ${fmt(pct(c.latencies, 50))}  p99 ${fmt(pct(c.latencies, 99))}  ratio p50 ${(pct(c.latencies, 50) / rawP50).toFixed(2)}x raw`,
    );
  }
} finally {
  await zk?.stop();
}

/**
 * An unmeasured round of the same registrations and reads in a throwaway namespace: the first one in a fresh
 * process and a fresh ZooKeeper costs several times the next (JIT on both sides), which is not what is measured.
 */
async function warmUp(namespace: string): Promise<void> {
  const sessions = Array.from(
    { length: SESSIONS },
    () => new ZooKeeperRegistry({ connectionString: hosts, namespace, snapshotDir: false }),
  );
  const client = await connect(hosts);
  await Promise.all(
    Array.from({ length: INSTANCES }, (_, k) => sessions[k % SESSIONS]!.register(providerOf(k % SERVICES, k, 'w'))),
  );
  const dir = (s: number) => `/${namespace}-raw/${service(s)}`;
  await Promise.all(Array.from({ length: SERVICES }, (_, s) => call((cb) => client.mkdirp(dir(s), cb))));
  await Promise.all(
    Array.from({ length: INSTANCES }, (_, k) =>
      call((cb) => client.create(`${dir(k % SERVICES)}/w${k}`, Buffer.from('{}'), raw.CreateMode.EPHEMERAL, cb)),
    ),
  );
  client.close();
  await Promise.all(sessions.map((r) => r.close()));
}

function connect(hosts: string): Promise<RawClient> {
  const client = raw.createClient(hosts);
  return new Promise((resolve) => {
    client.once('connected', () => resolve(client));
    client.connect();
  });
}

function call<T = unknown>(fn: (cb: (e: unknown, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((e, v) => (e ? reject(e) : resolve(v as T))));
}

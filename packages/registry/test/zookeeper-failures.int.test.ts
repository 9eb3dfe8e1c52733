import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProcessHandle, startProcess, startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperRegistry } from '../src/index.js';
import { ids, instance, sleep, watch } from './helpers.js';

const PROVIDER = 'packages/registry/test/fixtures/provider.ts';
const CONSUMER = 'packages/registry/test/fixtures/consumer.ts';
const processes: ProcessHandle[] = [];
const registries: ZooKeeperRegistry[] = [];

async function provider(env: Record<string, string>): Promise<ProcessHandle> {
  const handle = await startProcess({
    args: [PROVIDER],
    env: { STAGES_LOG_LEVEL: 'warn', ...env },
    ready: /registered \d+/,
    readyTimeoutMs: 30_000,
  });
  processes.push(handle);
  return handle;
}

function registry(options: ConstructorParameters<typeof ZooKeeperRegistry>[0]): ZooKeeperRegistry {
  const r = new ZooKeeperRegistry({ snapshotDir: false, ...options });
  registries.push(r);
  return r;
}

afterAll(async () => {
  await Promise.all(registries.map((r) => r.close()));
  await Promise.all(processes.map((p) => p.kill().catch(() => {})));
});

describe('ZooKeeper registry: provider failures (standalone, 500 ms ticks)', () => {
  let zk: ZooKeeperCluster;
  const SESSION_MS = 2_000;
  beforeAll(async () => {
    zk = await startZooKeeper({ tickTime: 500 });
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('drops a SIGKILLed provider process within the session timeout', async () => {
    const env = { ZK: zk.connectionString, NS: 'crash', SERVICE: 'orders', SESSION_MS: String(SESSION_MS) };
    const victim = await provider({ ...env, ID_PREFIX: 'victim' });
    await provider({ ...env, ID_PREFIX: 'survivor' });
    const consumer = registry({ connectionString: zk.connectionString, namespace: 'crash' });
    const sub = watch(consumer, 'orders');
    await sub.until((u) => u.providers.length === 2);
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    // ZooKeeper checks expiry once per tick, so allow one tick and the coalescing window on top of the timeout.
    const update = await sub.until((u) => u.providers.length === 1, SESSION_MS + 1_500);
    expect(ids(update)).toEqual(['survivor-orders-0']);
    expect(update.stale).toBe(false);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(SESSION_MS + 1_500);
    sub.stop();
  });

  it('re-creates its nodes on a new session after expiry, without the app noticing', async () => {
    const env = { ZK: zk.connectionString, NS: 'expiry', SERVICE: 'orders', SESSION_MS: String(SESSION_MS) };
    const frozen = await provider({ ...env, ID_PREFIX: 'frozen', STAGES_LOG_LEVEL: 'info' });
    const consumer = registry({ connectionString: zk.connectionString, namespace: 'expiry' });
    const sub = watch(consumer, 'orders');
    await sub.until((u) => u.providers.length === 1);
    // A frozen process (a long GC pause, a suspended VM) misses its heartbeats: ZooKeeper expires the session.
    process.kill(frozen.pid, 'SIGSTOP');
    await sub.until((u) => u.providers.length === 0, SESSION_MS + 3_000);
    process.kill(frozen.pid, 'SIGCONT');
    const back = await sub.until((u) => u.providers.length === 1, 15_000);
    expect(ids(back)).toEqual(['frozen-orders-0']);
    await frozen.waitFor(/session expired/, 5_000);
    await frozen.waitFor(/registrations restored/, 5_000);
    sub.stop();
  });
});

describe('ZooKeeper registry: ensemble failures (3 nodes)', () => {
  let zk: ZooKeeperCluster;
  const SESSION_MS = 10_000;
  const snapshotDir = mkdtempSync(join(tmpdir(), 'stages-registry-snap-'));
  let consumers: ZooKeeperRegistry[] = [];
  let subs: ReturnType<typeof watch>[] = [];
  let expected: string[] = [];

  beforeAll(async () => {
    zk = await startZooKeeper({ nodes: 3, tickTime: 1_000 });
    const env = {
      ZK: zk.connectionString,
      NS: 'ensemble',
      SERVICE: 'catalog',
      COUNT: '3',
      SESSION_MS: String(SESSION_MS),
    };
    await Promise.all([provider({ ...env, ID_PREFIX: 'a' }), provider({ ...env, ID_PREFIX: 'b' })]);
    expected = ['a', 'b'].flatMap((p) => [0, 1, 2].map((i) => `${p}-catalog-${i}`)).sort();
    consumers = [0, 1, 2].map(() =>
      registry({
        connectionString: zk.connectionString,
        namespace: 'ensemble',
        sessionTimeoutMs: SESSION_MS,
        snapshotDir,
      }),
    );
    subs = consumers.map((c) => watch(c, 'catalog'));
    await Promise.all(subs.map((s) => s.until((u) => u.providers.length === 6)));
  }, 60_000);
  afterAll(async () => {
    await zk?.stop();
  });

  it('loses no provider from any consumer when the leader is killed, and takes registrations after', async () => {
    const from = subs.map((s) => s.updates.length);
    const leader = await zk.leader();
    await leader.kill();
    const late = registry({
      connectionString: zk.connectionString,
      namespace: 'ensemble',
      sessionTimeoutMs: SESSION_MS,
    });
    const newcomer = instance({ service: 'catalog', id: 'late-catalog-0' });
    await late.register(newcomer); // waits out the election inside operationTimeoutMs
    await Promise.all(subs.map((s) => s.until((u) => !u.stale && u.providers.length === 7, 20_000)));
    subs.forEach((s, i) => {
      for (const update of s.updates.slice(from[i])) expect(ids(update)).toEqual(expect.arrayContaining(expected));
    });
    // The election did reach the consumers (followers drop their clients while there is no leader): they went
    // stale for a moment, kept their lists, and came back fresh.
    expect(subs.some((s, i) => s.updates.slice(from[i]).some((u) => u.stale))).toBe(true);
    expected = [...expected, newcomer.id].sort();
    await leader.restart();
  }, 60_000);

  it('serves a new consumer from the snapshot while the whole ensemble is down, and heals when it returns', async () => {
    const snapshot = consumers[0]!.snapshotFile!;
    // The snapshot is written shortly after a fresh list arrives.
    for (let i = 0; i < 50 && !hasAll(snapshot, expected); i++) await sleep(100);
    expect(hasAll(snapshot, expected)).toBe(true);

    await Promise.all(zk.servers.map((s) => s.stop()));
    const stale = await subs[0]!.until((u) => u.stale, 15_000);
    expect(ids(stale)).toEqual(expected); // the last known list, kept

    // A process that starts during the outage still finds the providers, flagged stale.
    const late = await startProcess({
      args: [CONSUMER],
      env: {
        STAGES_LOG_LEVEL: 'warn',
        ZK: zk.connectionString,
        NS: 'ensemble',
        SERVICE: 'catalog',
        SNAPSHOT_DIR: snapshotDir,
      },
      ready: /update /,
    });
    processes.push(late);
    await late.waitFor(new RegExp(`update ${escapeRegExp(JSON.stringify({ stale: true, ids: expected }))}`), 10_000);

    // A provider that tries to register during the outage is told so, and is registered when ZooKeeper returns.
    const failback = registry({
      connectionString: zk.connectionString,
      namespace: 'ensemble',
      sessionTimeoutMs: SESSION_MS,
      operationTimeoutMs: 1_000,
    });
    await expect(failback.register(instance({ service: 'catalog', id: 'failback-catalog-0' }))).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      details: { deferred: true },
    });

    await Promise.all(zk.servers.map((s) => s.restart()));
    const fresh = await late.waitFor(/update (\{"stale":false,.*\})/, 30_000);
    expect(JSON.parse(fresh[1]!).ids).toEqual(expect.arrayContaining(expected));
    const healed = [...expected, 'failback-catalog-0'].sort();
    await Promise.all(subs.map((s) => s.until((u) => !u.stale && ids(u).join() === healed.join(), 30_000)));
    // Registrations work again after the outage.
    const after = registry({
      connectionString: zk.connectionString,
      namespace: 'ensemble',
      sessionTimeoutMs: SESSION_MS,
    });
    await after.register(instance({ service: 'catalog', id: 'after-catalog-0' }));
    await subs[0]!.until((u) => u.providers.some((p) => p.id === 'after-catalog-0'), 15_000);
  }, 90_000);
});

function hasAll(file: string, wanted: string[]): boolean {
  if (!existsSync(file)) return false;
  const body = JSON.parse(readFileSync(file, 'utf8')) as { services: Record<string, { id: string }[]> };
  const found = new Set((body.services.catalog ?? []).map((p) => p.id));
  return wanted.every((id) => found.has(id));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

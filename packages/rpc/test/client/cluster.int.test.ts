import { StagesError } from '@stages/common';
import { ZooKeeperRegistry } from '@stages/registry';
import { startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerEvent } from '../../src/breaker/breaker-set.js';
import { ServiceClient } from '../../src/client/service-client.js';
import { GrpcClientTransport } from '../../src/grpc/grpc-client-transport.js';
import { CountingTransport, type Provider, runLoad, sleep, startProvider, until } from './cluster-helpers.js';

// Three real provider processes registered in a real ZooKeeper; the client runs in this process.
describe('cluster against three provider processes in ZooKeeper', () => {
  let zk: ZooKeeperCluster;
  let registry: ZooKeeperRegistry;
  let providers: Provider[];
  let transport: CountingTransport;
  let client: ServiceClient;
  let hashClient: ServiceClient;
  const namespace = `cluster-${process.pid}`;
  const states: BreakerEvent[] = [];

  beforeAll(async () => {
    zk = await startZooKeeper({ tickTime: 500 });
    const env = { ZK: zk.connectionString, NAMESPACE: namespace };
    providers = await Promise.all([startProvider(env), startProvider(env), startProvider(env)]);
    registry = new ZooKeeperRegistry({ connectionString: zk.connectionString, namespace, snapshotDir: false });
    transport = new CountingTransport(new GrpcClientTransport());
    client = new ServiceClient({
      service: 'cluster-echo',
      registry,
      transports: [transport],
      balancer: 'round-robin',
      retries: 2,
      timeoutMs: 2_000,
      breakerOptions: {
        volumeThreshold: 5,
        errorThresholdPercentage: 50,
        resetTimeoutMs: 1_500,
        rollingWindowMs: 1_000,
      },
      methods: { whoami: { idempotent: true } },
    });
    client.breakers.on('state', (e) => states.push(e));
    hashClient = new ServiceClient({
      service: 'cluster-echo',
      registry,
      transports: [transport],
      balancer: 'consistent-hash',
      methods: { byKey: { idempotent: true, hashKey: 'key' } },
    });
    await until(() => client.providers.length === 3 && hashClient.providers.length === 3, 15_000, 'three providers');
  });

  afterAll(async () => {
    await client?.close();
    await hashClient?.close();
    await transport?.close();
    await registry?.close();
    await Promise.all((providers ?? []).map((p) => p.handle.stop(2_000).catch(() => {})));
    await zk?.stop();
  });

  const keys = Array.from({ length: 60 }, (_, i) => `cart-${i}`);
  const owners = new Map<string, string>();

  it('consistent hashing keeps every key on one provider', async () => {
    for (const key of keys) {
      const seen = new Set<string>();
      for (let i = 0; i < 3; i++) seen.add(((await hashClient.call('byKey', { key })) as { id: string }).id);
      expect(seen.size).toBe(1);
      owners.set(key, [...seen][0]!);
    }
    // The keys spread over all three providers.
    expect(new Set(owners.values()).size).toBe(3);
  });

  it('opens the breaker of a failing provider, moves traffic away, and closes it through half-open when healed', async () => {
    const sick = providers[1]!;
    const load = runLoad(client, 8);
    await sleep(300);
    process.kill(sick.handle.pid, 'SIGUSR1');
    await sick.handle.waitFor(/sick/);
    await until(() => states.some((s) => s.providerId === sick.id && s.state === 'open'), 5_000, 'breaker open');

    // While open (reset timeout 1.5 s) the sick provider gets no calls at all.
    const attemptsAtOpen = transport.attempts.get(sick.id) ?? 0;
    const okAtOpen = load.result.ok;
    await sleep(500);
    const openWindowAttempts = (transport.attempts.get(sick.id) ?? 0) - attemptsAtOpen;
    expect(load.result.ok - okAtOpen).toBeGreaterThan(50);

    process.kill(sick.handle.pid, 'SIGUSR2');
    await sick.handle.waitFor(/healed/);
    const closedAfter = await until(
      () => states.some((s) => s.providerId === sick.id && s.state === 'closed'),
      5_000,
      'breaker closed',
    );
    const servedBefore = load.result.byProvider.get(sick.id) ?? 0;
    await sleep(300);
    const r = await load.stop();
    const sequence = states.filter((s) => s.providerId === sick.id).map((s) => s.state);
    console.log(
      `breaker: ${r.ok} calls, ${r.failed.length} failed, ${transport.failures.get(sick.id)} failed attempts on the sick provider ` +
        `(all failed over), ${openWindowAttempts} attempts while open, closed ${closedAfter} ms after healing; states ${sequence.join(' > ')}`,
    );
    expect(openWindowAttempts).toBe(0);
    expect(r.failed).toEqual([]);
    expect(sequence.slice(0, 1)).toEqual(['open']);
    expect(sequence).toContain('half-open');
    expect(sequence.at(-1)).toBe('closed');
    expect(r.byProvider.get(sick.id) ?? 0).toBeGreaterThan(servedBefore);
  });

  it('SIGKILL under load: zero failed idempotent calls, and the dead provider leaves the pool', async () => {
    const dead = providers[2]!;
    const failuresBefore = transport.totalFailures();
    const load = runLoad(client, 16);
    await sleep(700);
    const killedAt = Date.now();
    await dead.handle.kill('SIGKILL');
    const leftAfter = await until(
      () => !client.providers.some((p) => p.id === dead.id),
      15_000,
      'dead provider removed',
    );
    await sleep(300);
    const r = await load.stop();
    const failovers = transport.totalFailures() - failuresBefore;
    console.log(
      `SIGKILL: ${r.ok} calls at concurrency 16, ${r.failed.length} failed, ${failovers} attempts failed over to another provider, ` +
        `dead provider left the pool ${leftAfter} ms after the kill (session timeout 2 s), retry budget left ${client.retryBudget.tokens.toFixed(1)}`,
    );
    expect(r.failed.map((e) => (StagesError.is(e) ? `${e.code}: ${e.message}` : String(e)))).toEqual([]);
    expect(r.ok).toBeGreaterThan(100);
    expect(transport.released).toContain(dead.id);
    expect(client.providers.map((p) => p.id).sort()).toEqual([providers[0]!.id, providers[1]!.id].sort());
    expect(Date.now() - killedAt).toBeGreaterThan(0);
  });

  it('consistent hashing moves only the dead provider’s keys', async () => {
    await until(() => hashClient.providers.length === 2, 10_000, 'hash client sees two providers');
    let moved = 0;
    for (const key of keys) {
      const now = ((await hashClient.call('byKey', { key })) as { id: string }).id;
      if (owners.get(key) === providers[2]!.id) {
        moved++;
        expect(now).not.toBe(providers[2]!.id);
      } else expect(now).toBe(owners.get(key));
    }
    console.log(`consistent hash: ${moved} of ${keys.length} keys moved after losing 1 of 3 providers`);
    expect(moved).toBeGreaterThan(0);
  });
});

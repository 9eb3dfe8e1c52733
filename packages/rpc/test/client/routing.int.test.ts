import { runWithContext, type StagesError } from '@stages/common';
import { ZooKeeperRegistry } from '@stages/registry';
import { startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/client/service-client.js';
import { GrpcClientTransport } from '../../src/grpc/grpc-client-transport.js';
import { type Provider, sleep, startProvider, until } from './cluster-helpers.js';

interface Seen {
  service: string;
  deadline: number | null;
  remainingMs: number | null;
  caller: string | null;
}

// Real provider processes in a real ZooKeeper: a three-hop chain for deadlines, and zoned/tagged providers.
describe('deadlines and routing across real processes', () => {
  let zk: ZooKeeperCluster;
  let registry: ZooKeeperRegistry;
  const transport = new GrpcClientTransport();
  const clients: ServiceClient[] = [];
  const namespace = `routing-${process.pid}`;
  let hops: Provider[];
  let z1: Provider;
  let z2: Provider;
  let canary: Provider;

  const client = (options: Partial<ConstructorParameters<typeof ServiceClient>[0]> & { service: string }) => {
    const c = new ServiceClient({ registry, transports: [transport], ...options });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    zk = await startZooKeeper({ tickTime: 500 });
    const env = { ZK: zk.connectionString, NAMESPACE: namespace };
    const all = await Promise.all([
      startProvider({ ...env, SERVICE: 'hop-a', DOWNSTREAM: 'hop-b' }),
      startProvider({ ...env, SERVICE: 'hop-b', DOWNSTREAM: 'hop-c' }),
      startProvider({ ...env, SERVICE: 'hop-c' }),
      startProvider({ ...env, SERVICE: 'routed', ZONE: 'z1' }),
      startProvider({ ...env, SERVICE: 'routed', ZONE: 'z2' }),
      startProvider({ ...env, SERVICE: 'routed', ZONE: 'z1', TAGS: 'canary' }),
    ]);
    hops = all.slice(0, 3);
    [z1, z2, canary] = all.slice(3) as [Provider, Provider, Provider];
    registry = new ZooKeeperRegistry({ connectionString: zk.connectionString, namespace, snapshotDir: false });
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await transport.close();
    await registry?.close();
    await Promise.all([...(hops ?? []), z1, z2, canary].map((p) => p?.handle.stop(2_000).catch(() => {})));
    await zk?.stop();
  });

  it('propagates the first caller’s deadline across three hops', async () => {
    const chain = client({ service: 'hop-a', caller: 'test-client', methods: { hop: { idempotent: true } } });
    // Warm the connections first: a frame queued while its connection is still being set up carries a time-left
    // figure that is already stale when it arrives (the wire carries time left, for clock skew between hosts).
    await chain.call('hop', {});
    const t0 = Date.now();
    const seen = (await chain.call('hop', {}, { timeoutMs: 3_000 })) as Seen[];
    const deadline = t0 + 3_000;
    expect(seen.map((s) => s.service)).toEqual(['hop-a', 'hop-b', 'hop-c']);
    console.log(
      `deadline: ${seen.map((s) => `${s.service} saw ${s.remainingMs} ms left (deadline ${s.deadline! - deadline >= 0 ? '+' : ''}${s.deadline! - deadline} ms vs the first caller's)`).join(', ')}`,
    );
    for (const s of seen) {
      // Every hop serves under the deadline the first caller set, not under its own 5 s default. The wire carries
      // the time left, so a hop's copy may drift by the time a frame spent in transit and queues.
      expect(s.deadline).not.toBeNull();
      expect(Math.abs(s.deadline! - deadline)).toBeLessThanOrEqual(250);
    }
    expect(seen[2]!.remainingMs!).toBeLessThanOrEqual(seen[0]!.remainingMs! + 10);
    expect(seen[0]!.caller).toBe('test-client');
  });

  it('a chain never outlives its first caller', async () => {
    const chain = client({ service: 'hop-a', methods: { hop: { idempotent: true } } });
    const hopC = hops[2]!;
    const t0 = Date.now();
    const error = (await chain.call('hop', { sleepMs: 3_000 }, { timeoutMs: 600 }).catch((e) => e)) as StagesError;
    const elapsed = Date.now() - t0;
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    expect(elapsed).toBeLessThan(1_500);
    // hop-c received the same deadline, so it was told to give up at 600 ms too, not at its own default 5 s.
    const line = [...hopC.handle.output().matchAll(/hop hop-c deadline (\d+) remaining (-?\d+)/g)].at(-1)!;
    expect(Math.abs(Number(line[1]) - (t0 + 600))).toBeLessThanOrEqual(250);
    console.log(`deadline: first caller gave up after ${elapsed} ms; hop-c had ${line[2]} ms left when it started`);
  });

  it('keeps untagged calls in the local zone and off the canary; canary calls reach the canary', async () => {
    const routed = client({
      service: 'routed',
      zone: 'z1',
      methods: { whoami: { idempotent: true } },
      breakerOptions: { resetTimeoutMs: 800 },
    });
    await until(() => routed.providers.length === 3, 15_000, 'three routed providers');
    const who = async (n: number, tags?: string[]) => {
      const ids = new Set<string>();
      for (let i = 0; i < n; i++) {
        ids.add(((await routed.call('whoami', {}, tags ? { tags } : {})) as { id: string }).id);
      }
      return [...ids];
    };
    expect(await who(20)).toEqual([z1.id]);
    expect(await who(20, ['canary'])).toEqual([canary.id]);
    // Tags in the call context travel as metadata: the provider sees them in its own context.
    const echoed = (await runWithContext({ tags: ['canary'] }, () => routed.call('whoami', {}))) as {
      id: string;
      tags: string[];
    };
    expect(echoed).toEqual({ id: canary.id, zone: 'z1', tags: ['canary'] });

    // The only local untagged provider falls sick: untagged calls cross to the other zone, none fails.
    process.kill(z1.handle.pid, 'SIGUSR1');
    await z1.handle.waitFor(/sick/);
    expect(await who(20)).toEqual([z2.id]);
    expect(routed.explain('whoami').removed.find((r) => r.id === z1.id)?.filter).toBe('breaker');
    process.kill(z1.handle.pid, 'SIGUSR2');
    await z1.handle.waitFor(/healed/);
    await sleep(900);
    // Back home through the half-open probe.
    const after = await who(20);
    expect(after).toContain(z1.id);
  });

  it('explains "no provider": per provider, which filter removed it, and whether the registry is stale', async () => {
    const wrong = client({ service: 'routed', version: '^2.0.0', group: '' });
    await wrong.ready();
    const error = (await wrong.call('whoami', {}).catch((e) => e)) as StagesError;
    expect(error.code).toBe('NO_PROVIDER');
    expect(error.message).toContain('3 known, none usable; the registry list is fresh');
    expect(error.message.match(/removed by version: version 1\.0\.0 does not satisfy \^2\.0\.0/g)).toHaveLength(3);
    console.log(`why no provider: ${error.message}`);

    const nobody = client({ service: 'nobody-serves-this' });
    await nobody.ready();
    await expect(nobody.call('x', {})).rejects.toThrowError(/knows no provider of nobody-serves-this/);

    await zk.stop();
    await until(() => wrong.stale, 10_000, 'registry stale');
    const stale = (await wrong.call('whoami', {}).catch((e) => e)) as StagesError;
    expect(stale.message).toMatch(/registry is STALE/);
    expect(stale.details).toMatchObject({ stale: true, known: 3 });
  });
});

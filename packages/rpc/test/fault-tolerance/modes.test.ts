import { StagesError } from '@stages/common';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceClientOptions } from '../../src/client/options.js';
import { ServiceClient } from '../../src/client/service-client.js';
import { RetryBudget } from '../../src/fault-tolerance/retry-budget.js';
import { FakeRegistry, FakeTransport, hang, provider, unavailable } from '../client/fakes.js';

const clients: ServiceClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

function setup(n: number, options: Partial<ServiceClientOptions> = {}) {
  const providers = Array.from({ length: n }, (_, i) => provider(`p${i}`));
  const registry = new FakeRegistry(providers);
  const transport = new FakeTransport();
  const client = new ServiceClient({
    service: 'catalog',
    registry,
    transports: [transport],
    balancer: 'round-robin',
    breaker: 'none',
    methods: { get: { idempotent: true }, create: { idempotent: false } },
    ...options,
  });
  clients.push(client);
  return { providers, registry, transport, client };
}

describe('failover', () => {
  it('retries an idempotent call on another provider', async () => {
    const { transport, client } = setup(3);
    transport.on('p0', unavailable);
    const results = await Promise.all(Array.from({ length: 6 }, () => client.call('get', {})));
    expect(results.every((r) => (r as { from: string }).from !== 'p0')).toBe(true);
    // Every call that hit p0 went on to a different provider: never p0 twice in one call.
    expect(transport.count('p0')).toBe(2);
    expect(transport.calls.length).toBe(8);
  });

  it('never retries a non-idempotent call, or a non-retryable error', async () => {
    const { transport, client } = setup(3);
    transport.on('p0', unavailable);
    await expect(client.call('create', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(transport.calls.length).toBe(1);
    transport.on('p1', () => {
      throw new StagesError('INVALID_ARGUMENT', 'bad id');
    });
    await expect(client.call('get', {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(transport.calls.length).toBe(2);
  });

  it('stops after the configured retries with the last error', async () => {
    const { transport, client } = setup(5, { retries: 2 });
    for (let i = 0; i < 5; i++) transport.on(`p${i}`, unavailable);
    await expect(client.call('get', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(new Set(transport.calls.map((c) => c.provider)).size).toBe(3);
  });

  it('stops retrying when the retry budget is spent', async () => {
    const { transport, client } = setup(3, { retryBudget: { minPerSecond: 2, ratio: 0, maxTokens: 2 } });
    for (let i = 0; i < 3; i++) transport.on(`p${i}`, unavailable);
    for (let i = 0; i < 4; i++) await expect(client.call('get', {})).rejects.toBeTruthy();
    // 4 first attempts + at most 2 retries from a budget of 2 (plus any refill in the few ms this takes).
    expect(transport.calls.length).toBeLessThanOrEqual(7);
    expect(transport.calls.length).toBeGreaterThanOrEqual(6);
  });

  it('budget: earns ratio per success, caps, and refills the reserve with time', () => {
    let now = 0;
    const b = new RetryBudget({ ratio: 0.5, minPerSecond: 1, maxTokens: 3, now: () => now });
    expect(b.tryWithdraw()).toBe(true);
    expect(b.tryWithdraw()).toBe(false);
    b.deposit();
    b.deposit();
    expect(b.tryWithdraw()).toBe(true);
    now += 1_000;
    expect(b.tryWithdraw()).toBe(true);
    for (let i = 0; i < 100; i++) b.deposit();
    expect(b.tokens).toBe(3);
  });
});

describe('failfast and failsafe', () => {
  it('failfast: one attempt even for idempotent methods', async () => {
    const { transport, client } = setup(3, { faultTolerance: 'failfast' });
    transport.on('p0', unavailable);
    await expect(client.call('get', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(transport.calls.length).toBe(1);
  });

  it('failsafe: a failure becomes undefined, and so does having no provider', async () => {
    const { transport, client, registry } = setup(1, { faultTolerance: 'failsafe' });
    transport.on('p0', unavailable);
    await expect(client.call('get', {})).resolves.toBeUndefined();
    registry.set([]);
    await expect(client.call('get', {})).resolves.toBeUndefined();
  });
});

describe('forking and hedged', () => {
  it('forking: fires at K providers, the first success wins, the rest are cancelled', async () => {
    const { transport, client } = setup(3, { faultTolerance: { type: 'forking', options: { forks: 3 } } });
    const aborted: string[] = [];
    const slow = (id: string) => (call: Parameters<typeof hang>[0]) => {
      call.signal?.addEventListener('abort', () => aborted.push(id));
      return hang(call);
    };
    transport.on('p0', slow('p0')).on('p2', slow('p2'));
    await expect(client.call('get', {})).resolves.toEqual({ from: 'p1' });
    expect(transport.calls.length).toBe(3);
    expect(aborted.sort()).toEqual(['p0', 'p2']);
  });

  it('forking: fails only when every fork failed; a non-idempotent call is sent once', async () => {
    const { transport, client } = setup(2, { faultTolerance: 'forking' });
    transport.on('p0', unavailable).on('p1', unavailable);
    await expect(client.call('get', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(transport.calls.length).toBe(2);
    await expect(client.call('create', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(transport.calls.length).toBe(3);
  });

  it('hedged: the second request goes out only when the first is slow', async () => {
    const { transport, client } = setup(2, {
      faultTolerance: { type: 'hedged', options: { hedgeDelayMs: 30 } },
      balancer: 'round-robin',
    });
    await expect(client.call('get', {})).resolves.toEqual({ from: 'p0' });
    expect(transport.calls.length).toBe(1);
    transport.on('p1', hang);
    await expect(client.call('get', {})).resolves.toEqual({ from: 'p0' });
    expect(transport.calls.map((c) => c.provider)).toEqual(['p0', 'p1', 'p0']);
  });
});

describe('broadcast', () => {
  it('calls every provider, including other zones and tags', async () => {
    const providers = [provider('a', { zone: 'x' }), provider('b', { zone: 'y' }), provider('c', { tags: ['canary'] })];
    const transport = new FakeTransport();
    const client = new ServiceClient({
      service: 'catalog',
      registry: new FakeRegistry(providers),
      transports: [transport],
      zone: 'x',
      methods: { refresh: { faultTolerance: 'broadcast' } },
    });
    clients.push(client);
    await client.call('refresh', {});
    expect(transport.calls.map((c) => c.provider).sort()).toEqual(['a', 'b', 'c']);
  });

  it('does not skip a provider whose breaker is open: the error names it', async () => {
    const { transport, client } = setup(2, {
      faultTolerance: 'broadcast',
      breaker: 'opossum',
      breakerOptions: { consecutiveFailures: 1 },
    });
    transport.on('p1', unavailable);
    await expect(client.call('get', {})).rejects.toBeTruthy();
    expect(client.breakers.stateOf('p1')).toBe('open');
    const error = (await client.call('get', {}).catch((e) => e)) as StagesError;
    expect(error.details!.failed).toEqual([expect.objectContaining({ id: 'p1', code: 'CIRCUIT_OPEN' })]);
    expect(error.details!.succeeded).toEqual(['p0']);
  });

  it('fails when any provider fails, saying which', async () => {
    const { transport, client } = setup(3, { faultTolerance: 'broadcast' });
    transport.on('p1', unavailable);
    const error = await client.call('get', {}).catch((e: StagesError) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect((error as StagesError).details?.failed).toEqual([
      expect.objectContaining({ id: 'p1', code: 'UNAVAILABLE' }),
    ]);
    expect(((error as StagesError).details!.succeeded as string[]).sort()).toEqual(['p0', 'p2']);
  });
});

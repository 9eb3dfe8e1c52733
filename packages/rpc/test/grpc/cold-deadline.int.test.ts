import { type ProcessHandle, startProcess } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClientTransport } from '../../src/grpc/grpc-client-transport.js';
import { caller, PROVIDER, portOf, providerAt } from './fixtures/client-helpers.js';
import { startTcpProxy, type TcpProxy } from './fixtures/tcp-proxy.js';

/**
 * A call's frame may wait for the connection to come up. Its timeout must be the time left when it is written,
 * or the provider (and every hop after it) would see a later deadline than its caller's. Caller and provider share
 * this host's clock, so their absolute deadlines compare directly.
 */
describe('deadlines on a cold connection (Stages-to-Stages mode)', () => {
  const CONNECT_DELAY_MS = 150;
  let provider: ProcessHandle;
  let slow: TcpProxy;
  let slower: TcpProxy;
  const direct = new GrpcClientTransport();

  beforeAll(async () => {
    provider = await startProcess({ args: [PROVIDER], env: { STAGES_LOG_LEVEL: 'silent' }, ready: /listening \d+/ });
    const port = portOf(provider.output());
    slow = await startTcpProxy(port, CONNECT_DELAY_MS);
    slower = await startTcpProxy(port, 400);
  });
  afterAll(async () => {
    await direct.close();
    await slow?.close();
    await slower?.close();
    await provider?.stop();
  });

  it('gives the handler at most the budget left when the frame was written, not the one at queueing', async () => {
    const client = new GrpcClientTransport();
    try {
      const started = Date.now();
      const deadline = started + 300;
      const seen = (await client.invoke(providerAt(slow.port), {
        service: 'echo',
        method: 'context',
        payload: {},
        deadline,
        metadata: {},
      })) as { deadline: number; remaining: number };
      expect(slow.connections).toBe(1);
      const joined = slow.joinedAt[0]!;
      expect(joined - started).toBeGreaterThanOrEqual(CONNECT_DELAY_MS - 1);
      // No frame could be written before the connection was joined, so the caller had at most deadline - joined
      // left at write time; the handler, later still, must see no more. (Queued-time timeouts gave it ~300.)
      expect(seen.remaining).toBeLessThanOrEqual(deadline - joined);
      // As with grpc-timeout, the provider's clock starts when the frame arrives: its deadline is the caller's
      // plus the transit time (a few ms on loopback), not plus the time spent connecting.
      expect(seen.deadline - deadline).toBeLessThan(CONNECT_DELAY_MS / 3);
    } finally {
      await client.close();
    }
  });

  it('fails a call on a cold connection at its deadline, not later', async () => {
    const client = new GrpcClientTransport();
    try {
      const started = Date.now();
      const error = await caller(client, providerAt(slow.port))('slow', { ms: 1000 }, { timeoutMs: 300 }).catch(
        (e: unknown) => e,
      );
      const elapsed = Date.now() - started;
      expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      expect(elapsed).toBeGreaterThanOrEqual(295);
      expect(elapsed).toBeLessThan(500);
    } finally {
      await client.close();
    }
  });

  it('fails a call whose deadline passes while it waits for the connection locally, without sending it', async () => {
    const before = (await caller(direct, providerAt(portOf(provider.output())))('ticks')) as number;
    const client = new GrpcClientTransport();
    try {
      const call = caller(client, providerAt(slower.port));
      const started = Date.now();
      await expect(call('tick', {}, { timeoutMs: 150 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      expect(Date.now() - started).toBeLessThan(350);
      // Once the connection is up, the provider has never seen the expired call.
      await expect(call('ticks', {}, { timeoutMs: 3000 })).resolves.toBe(before);
      expect(slower.connections).toBe(1);
    } finally {
      await client.close();
    }
  });
});

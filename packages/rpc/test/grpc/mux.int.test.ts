import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { type ProcessHandle, startProcess } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClientTransport } from '../../src/grpc/grpc-client-transport.js';
import { identity, MUX_CALL_PATH, MUX_STREAM_PATH } from '../../src/grpc/mux-service.js';
import { caller, PROVIDER, portOf, providerAt } from './fixtures/client-helpers.js';
import { startTcpProxy } from './fixtures/tcp-proxy.js';

const env = { STAGES_LOG_LEVEL: 'silent' };
const start = (extra: Record<string, string> = {}) =>
  startProcess({ args: [PROVIDER], env: { ...env, ...extra }, ready: /listening \d+/ });

// Both ways a provider can answer the mux stream: on HTTP/2 directly (the default) and through grpc-js.
describe.each([
  ['HTTP/2 directly', {}],
  ['grpc-js', { MUX_ON_HTTP2: '0' }],
])('gRPC Stages-to-Stages mode across processes, mux answered %s', (_how, providerEnv) => {
  let provider: ProcessHandle;
  let port: number;
  const client = new GrpcClientTransport();

  beforeAll(async () => {
    provider = await start(providerEnv);
    port = portOf(provider.output());
  });
  afterAll(async () => {
    await client.close();
    await provider?.stop();
  });

  it('carries calls, metadata and the remaining deadline, over one reused channel', async () => {
    const call = caller(client, providerAt(port));
    const payloads = Array.from({ length: 200 }, (_, i) => ({ i, text: 'x'.repeat(i) }));
    await expect(Promise.all(payloads.map((p) => call('echo', p)))).resolves.toEqual(payloads);
    const ctx = (await call(
      'context',
      {},
      { timeoutMs: 3000, metadata: { 'stages-caller': 'orders', 'stages-tags': 'canary' } },
    )) as {
      caller: string;
      tags: string[];
      remaining: number;
    };
    expect(ctx.caller).toBe('orders');
    expect(ctx.tags).toEqual(['canary']);
    expect(ctx.remaining).toBeGreaterThan(2500);
    expect(ctx.remaining).toBeLessThanOrEqual(3000);
    expect(client.channels()).toBe(1);
  });

  it('rethrows provider errors with the same code, message and details; hides non-Stages errors', async () => {
    const call = caller(client, providerAt(port));
    await expect(call('fail', { code: 'NOT_FOUND', message: 'no order 7' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'no order 7',
      details: { why: 'asked to' },
    });
    await expect(call('fail', { code: 'CIRCUIT_OPEN', message: 'x' })).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    const boom = await call('boom').catch((e: unknown) => e);
    expect(boom).toMatchObject({ code: 'INTERNAL', message: 'internal error' });
    expect(JSON.stringify(boom)).not.toContain('hunter2');
    await expect(call('validated', { name: '' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('name'),
    });
    await expect(call('missing')).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
    await expect(caller(client, providerAt(port), 'nosuch')('x')).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
  });

  it('fails a call at its deadline and keeps the stream serving others', async () => {
    const call = caller(client, providerAt(port));
    const started = Date.now();
    await expect(call('slow', { ms: 2000 }, { timeoutMs: 150 })).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(call('echo', 'still here')).resolves.toBe('still here');
  });

  it('cancels: the caller gets CANCELLED at once and the provider sees the cancel frame', async () => {
    const call = caller(client, providerAt(port));
    const before = (await call('cancelledCount')) as number;
    const abort = new AbortController();
    const pending = call('waitCancel', { ms: 3000 }, { signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect.poll(() => call('cancelledCount'), { timeout: 2000 }).toBe(before + 1);
  });

  it('applies the per-method concurrency limit with RESOURCE_EXHAUSTED', async () => {
    const call = caller(client, providerAt(port));
    const results = await Promise.allSettled([call('limited', { ms: 200 }), call('limited', { ms: 200 })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
  });

  it('answers malformed frames with an error for that caller only; the server keeps serving', async () => {
    const raw = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      // A well-formed message with a bad request frame: the error goes to call id 5.
      const stream = raw.makeBidiStreamRequest(MUX_STREAM_PATH, identity, identity, new Metadata(), {});
      stream.on('error', () => {});
      const answer = new Promise<unknown>((resolve) =>
        stream.once('data', (m: Buffer) => resolve(JSON.parse(String(m)))),
      );
      stream.write(Buffer.from(JSON.stringify([[0, 5, 42, 'echo', 0, 0, null]])));
      await expect(answer).resolves.toEqual([[3, 5, expect.objectContaining({ code: 'INVALID_ARGUMENT' })]]);
      // Not JSON at all: that stream ends with INVALID_ARGUMENT.
      const status = new Promise<number>((resolve) => stream.on('status', (s: { code: number }) => resolve(s.code)));
      stream.write(Buffer.from('{not json'));
      await expect(status).resolves.toBe(3);
      // The unary method answers garbage with an error frame.
      const unary = await new Promise<Buffer>((resolve, reject) =>
        raw.makeUnaryRequest(MUX_CALL_PATH, identity, identity, Buffer.from('garbage'), (e, r) =>
          e ? reject(e) : resolve(r!),
        ),
      );
      expect(JSON.parse(String(unary))).toEqual([3, 0, expect.objectContaining({ code: 'INVALID_ARGUMENT' })]);
    } finally {
      raw.close();
    }
    await expect(caller(client, providerAt(port))('echo', 1)).resolves.toBe(1);
  });
});

describe('gRPC transport limits and failures', () => {
  it('refuses oversized requests and results with PAYLOAD_TOO_LARGE; the server keeps serving', async () => {
    const provider = await start({ MAX_BYTES: String(64 * 1024) });
    const small = new GrpcClientTransport({ maxMessageBytes: 64 * 1024 });
    const large = new GrpcClientTransport({ maxMessageBytes: 1024 * 1024 });
    try {
      const target = providerAt(portOf(provider.output()));
      await expect(caller(small, target)('echo', 'y'.repeat(100_000))).rejects.toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
      });
      await expect(caller(small, target)('big', { bytes: 100_000 })).rejects.toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
      });
      // A client configured above the provider's limit: grpc-js refuses the message at the provider.
      await expect(caller(large, target)('echo', 'y'.repeat(100_000))).rejects.toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
      });
      await expect(caller(small, target)('echo', 'fine')).resolves.toBe('fine');
      await expect(caller(large, target)('echo', 'fine')).resolves.toBe('fine');
    } finally {
      await small.close();
      await large.close();
      await provider.stop();
    }
  });

  it('fails calls pending on a stream whose provider is SIGKILLed with UNAVAILABLE, quickly; later calls too', async () => {
    const provider = await start();
    const client = new GrpcClientTransport();
    try {
      const call = caller(client, providerAt(portOf(provider.output())));
      await call('echo', 'warm');
      const pending = Array.from({ length: 20 }, () => call('slow', { ms: 10_000 }, { timeoutMs: 20_000 }));
      const settled = Promise.allSettled(pending);
      await new Promise((r) => setTimeout(r, 100));
      const killedAt = Date.now();
      await provider.kill('SIGKILL');
      const results = await settled;
      expect(Date.now() - killedAt).toBeLessThan(2000);
      for (const r of results) {
        expect(r).toMatchObject({ status: 'rejected', reason: { code: 'UNAVAILABLE', retryable: true } });
      }
      const next = Date.now();
      await expect(call('echo', 'anyone?', { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(Date.now() - next).toBeLessThan(2000);
    } finally {
      await client.close();
    }
  });

  it('notices a provider that vanished without closing the connection by keepalive, and fails its calls', async () => {
    const provider = await start();
    const proxy = await startTcpProxy(portOf(provider.output()));
    const client = new GrpcClientTransport({ keepalive: { timeMs: 200, timeoutMs: 300 } });
    try {
      const call = caller(client, providerAt(proxy.port));
      await expect(call('echo', 'warm')).resolves.toBe('warm');
      const pending = call('slow', { ms: 10_000 }, { timeoutMs: 20_000 }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 50));
      const frozenAt = Date.now();
      proxy.freeze();
      // Nothing comes back and no FIN arrives: only an unanswered ping (200 ms + 300 ms here) can tell.
      await expect(pending).resolves.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
      const noticed = Date.now() - frozenAt;
      expect(noticed).toBeGreaterThanOrEqual(250);
      expect(noticed).toBeLessThan(1_500);
    } finally {
      await client.close();
      await proxy.close();
      await provider.stop();
    }
  });

  it('reaches a provider restarted on the same address again within seconds', async () => {
    const first = await start();
    const port = portOf(first.output());
    const client = new GrpcClientTransport();
    try {
      const call = caller(client, providerAt(port));
      await expect(call('echo', 1)).resolves.toBe(1);
      await first.kill('SIGKILL');
      // Keep calling while it is down, so the channel's reconnect backoff grows as it would in production.
      const downUntil = Date.now() + 1500;
      while (Date.now() < downUntil) {
        await expect(call('echo', 2, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
        await new Promise((r) => setTimeout(r, 50));
      }
      const second = await start({ PORT: String(port) });
      try {
        const back = Date.now();
        await expect
          .poll(() => call('echo', 3, { timeoutMs: 500 }).catch((e: { code: string }) => e.code), {
            timeout: 5000,
            interval: 100,
          })
          .toBe(3);
        expect(Date.now() - back).toBeLessThan(4000);
      } finally {
        await second.stop();
      }
    } finally {
      await client.close();
    }
  });

  it('falls back to unary stages.Mux/Call for a provider without the stream', async () => {
    const provider = await start({ STREAMS: '0' });
    const client = new GrpcClientTransport();
    try {
      const call = caller(client, providerAt(portOf(provider.output())));
      const first = await Promise.all([call('echo', 1), call('echo', 2), call('echo', 3)]);
      expect(first).toEqual([1, 2, 3]);
      await expect(call('fail', { code: 'ALREADY_EXISTS', message: 'dup' })).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
        message: 'dup',
      });
      await expect(call('slow', { ms: 2000 }, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      const ctx = (await call('context', {}, { metadata: { 'stages-caller': 'fallback' } })) as { caller: string };
      expect(ctx.caller).toBe('fallback');
    } finally {
      await client.close();
      await provider.stop();
    }
  });

  it('closes a released provider channel only after its in-flight calls end', async () => {
    const provider = await start();
    const client = new GrpcClientTransport();
    try {
      const target = providerAt(portOf(provider.output()));
      const call = caller(client, target);
      const slow = call('slow', { ms: 300 });
      expect(client.channels()).toBe(1);
      client.release(target);
      expect(client.channels()).toBe(1);
      await expect(slow).resolves.toMatchObject({ slept: 300 });
      expect(client.channels()).toBe(0);
      // A later call to the same address opens a fresh channel.
      await expect(call('echo', 'again')).resolves.toBe('again');
    } finally {
      await client.close();
      await provider.stop();
    }
  });
});

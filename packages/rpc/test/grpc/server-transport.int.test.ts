import { fileURLToPath } from 'node:url';
import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClientTransport } from '../../src/grpc/grpc-client-transport.js';
import { GrpcServerTransport } from '../../src/grpc/grpc-server-transport.js';
import { InProcessTransport } from '../../src/inproc/in-process-transport.js';
import { ServerPipeline } from '../../src/server/pipeline.js';
import { caller, providerAt } from './fixtures/client-helpers.js';
import { testServices } from './fixtures/services.js';

// A real grpc-js server in the test process: for what a test needs to reach inside (setServing, a shared pipeline).
describe('GrpcServerTransport in this process', () => {
  const pipeline = new ServerPipeline();
  const server = new GrpcServerTransport({ pipeline });
  const inproc = new InProcessTransport({ pipeline });
  const { echo, greeter } = testServices();
  let port: number;
  let inprocPort: number;

  beforeAll(async () => {
    server.expose(echo);
    server.expose(greeter);
    port = (await server.start()).port;
    inprocPort = (await inproc.start()).port;
  });
  afterAll(async () => {
    await server.stop({ drainTimeoutMs: 100 });
    await inproc.stop({ drainTimeoutMs: 100 });
  });

  it('says which protocol a descriptor registers with, and refuses exposing after start', () => {
    expect(server.protocolFor(echo)).toBe('grpc');
    expect(server.protocolFor(greeter)).toBe('grpc-idl');
    expect(() => server.expose(echo)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('answers mux streams on HTTP/2 directly, ahead of grpc-js, which keeps IDL, health and the unary fallback', async () => {
    // If a grpc-js upgrade changes what routeMuxStreams reaches into, this fails: grpc-js would still serve the
    // mux stream correctly, only with more work per message, and nobody would notice otherwise.
    expect(server.muxRouted).toBe(true);
    const client = new GrpcClientTransport();
    try {
      await expect(caller(client, providerAt(port))('echo', 'routed')).resolves.toBe('routed');
    } finally {
      await client.close();
    }
    const unaryOnly = new GrpcServerTransport({ streams: false });
    await unaryOnly.start();
    expect(unaryOnly.muxRouted).toBe(false);
    await unaryOnly.stop({ drainTimeoutMs: 10 });
  });

  it('flips readiness per service through setServing', async () => {
    const proto = fileURLToPath(new URL('./fixtures/health.proto', import.meta.url));
    const pkg = loadPackageDefinition(loadSync(proto, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: new (a: string, c: unknown) => Record<string, Function> } } };
    };
    const health = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, credentials.createInsecure());
    const check = (service: string) =>
      new Promise((resolve, reject) =>
        health.Check!({ service }, (e: Error | null, r: { status: string }) => (e ? reject(e) : resolve(r.status))),
      );
    try {
      await expect(check('echo')).resolves.toBe('SERVING');
      server.setServing('echo', false);
      await expect(check('echo')).resolves.toBe('NOT_SERVING');
      await expect(check('')).resolves.toBe('SERVING');
      server.setServing('echo', true);
      await expect(check('echo')).resolves.toBe('SERVING');
    } finally {
      (health.close as () => void)();
    }
  });

  it('shares one pipeline, so in-process and gRPC calls share the bulkhead', async () => {
    const client = new GrpcClientTransport();
    try {
      const overGrpc = caller(client, providerAt(port))('limited', { ms: 300 });
      await new Promise((r) => setTimeout(r, 50));
      const inprocProvider = { ...providerAt(inprocPort), host: 'inproc', protocol: 'inproc' };
      await expect(caller(inproc, inprocProvider)('limited', { ms: 10 })).rejects.toMatchObject({
        code: 'RESOURCE_EXHAUSTED',
      });
      await expect(overGrpc).resolves.toBe('ok');
    } finally {
      await client.close();
    }
  });

  it('queues calls beyond the per-stream bound (backpressure) with their deadline running', async () => {
    const client = new GrpcClientTransport({ streamsPerProvider: 1, maxInFlightPerStream: 2 });
    try {
      const call = caller(client, providerAt(port));
      const started = Date.now();
      const calls = Array.from({ length: 6 }, () => call('slow', { ms: 100 }, { timeoutMs: 5000 }));
      await expect(Promise.all(calls)).resolves.toHaveLength(6);
      // Two at a time: three rounds of ~100 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      const blockers = [call('slow', { ms: 300 }), call('slow', { ms: 300 })];
      await expect(call('echo', 'queued', { timeoutMs: 100 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      await Promise.all(blockers);
      await expect(call('echo', 'free again')).resolves.toBe('free again');
    } finally {
      await client.close();
    }
  });
});

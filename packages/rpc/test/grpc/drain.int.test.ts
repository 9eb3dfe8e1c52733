import { fileURLToPath } from 'node:url';
import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { startProcess } from '@stages/test-harness';
import { describe, expect, it } from 'vitest';
import { GrpcClientTransport } from '../../src/grpc/grpc-client-transport.js';
import { caller, PROVIDER, portOf, providerAt } from './fixtures/client-helpers.js';

describe('gRPC graceful shutdown', () => {
  it('finishes in-flight calls, refuses new ones with UNAVAILABLE and reports NOT_SERVING, then exits', async () => {
    const provider = await startProcess({
      args: [PROVIDER],
      env: { STAGES_LOG_LEVEL: 'silent', DRAIN_MS: '5000' },
      ready: /listening \d+/,
    });
    const port = portOf(provider.output());
    const client = new GrpcClientTransport();
    const healthProto = fileURLToPath(new URL('./fixtures/health.proto', import.meta.url));
    const pkg = loadPackageDefinition(loadSync(healthProto, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: new (a: string, c: unknown) => Record<string, Function> } } };
    };
    const health = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const call = caller(client, providerAt(port));
      const watch = health.Watch!({ service: '' }) as NodeJS.EventEmitter;
      const statuses: string[] = [];
      watch.on('data', (m: { status: string }) => statuses.push(m.status));
      watch.on('error', () => {});
      const inFlight = Array.from({ length: 10 }, () => call('slow', { ms: 800 }));
      await expect.poll(() => call('sleeping'), { interval: 20 }).toBe(10);
      const exited = provider.kill('SIGTERM');
      const results = await Promise.allSettled(inFlight);
      await exited;
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(provider.output()).toMatch(/stopped/);
      expect(statuses).toContain('SERVING');
      expect(statuses).toContain('NOT_SERVING');
    } finally {
      (health.close as () => void)();
      await client.close();
      await provider.stop();
    }
  });

  it('gives calls that arrive during the drain a retryable UNAVAILABLE', async () => {
    const provider = await startProcess({
      args: [PROVIDER],
      env: { STAGES_LOG_LEVEL: 'silent', DRAIN_MS: '5000' },
      ready: /listening \d+/,
    });
    const client = new GrpcClientTransport();
    try {
      const call = caller(client, providerAt(portOf(provider.output())));
      const long = call('slow', { ms: 1500 });
      await expect.poll(() => call('sleeping'), { interval: 20 }).toBe(1);
      process.kill(provider.pid, 'SIGTERM');
      await provider.waitFor(/draining/);
      await expect(call('echo', 'late')).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
      await expect(long).resolves.toMatchObject({ slept: 1500 });
      await provider.waitFor(/stopped/, 5000);
    } finally {
      await client.close();
      await provider.stop();
    }
  });
});

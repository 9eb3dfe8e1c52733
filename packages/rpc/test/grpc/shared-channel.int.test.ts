import { type ProcessHandle, startProcess } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClientTransport } from '../../src/grpc/grpc-client-transport.js';
import { caller, PROVIDER, portOf, providerAt } from './fixtures/client-helpers.js';
import { startTcpProxy, type TcpProxy } from './fixtures/tcp-proxy.js';

/**
 * One provider process serving two services: both provider records share one channel. One of them leaving the
 * registry must not cost the other its connection. The proxy counts TCP connections the client opens.
 */
describe('a channel shared by the services of one provider address', () => {
  let provider: ProcessHandle;
  let proxy: TcpProxy;

  beforeAll(async () => {
    provider = await startProcess({ args: [PROVIDER], env: { STAGES_LOG_LEVEL: 'silent' }, ready: /listening \d+/ });
    proxy = await startTcpProxy(portOf(provider.output()));
  });
  afterAll(async () => {
    await proxy?.close();
    await provider?.stop();
  });

  it('keeps serving the other service on the same connection when one is released; closes after the last', async () => {
    const client = new GrpcClientTransport();
    try {
      // The same process registers both services; its instance id is the same in both records.
      const echo = providerAt(proxy.port, 'echo');
      const greeter = providerAt(proxy.port, 'greeter');
      const callEcho = caller(client, echo, 'echo');
      const callGreeter = caller(client, greeter, 'greeter');
      await expect(callEcho('echo', 'hi')).resolves.toBe('hi');
      await expect(callGreeter('sayHello', { name: 'ann', times: 1 })).resolves.toEqual({ message: 'hello ann!' });
      expect(proxy.connections).toBe(1);

      client.release(echo);
      client.release(echo); // released twice (two clients of the service saw it leave): still one reference
      expect(client.channels()).toBe(1);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => callGreeter('sayHello', { name: `n${i}`, times: 0 })),
      );
      expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => ({ message: `hello n${i}` })));
      expect(proxy.connections).toBe(1);

      // The echo provider is back; then both leave while one of its calls is in flight.
      const slow = callEcho('slow', { ms: 300 });
      client.release(greeter);
      client.release(echo);
      expect(client.channels()).toBe(1);
      await expect(slow).resolves.toMatchObject({ slept: 300 });
      expect(client.channels()).toBe(0);
      expect(proxy.connections).toBe(1);
    } finally {
      await client.close();
    }
  });
});

import { type ProcessHandle, startProcess } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClientTransport } from '../../src/grpc/grpc-client-transport.js';
import { makeTestCerts, type TestCerts } from './fixtures/certs.js';
import { caller, PROVIDER, portOf, providerAt } from './fixtures/client-helpers.js';

describe('gRPC transport over TLS and mutual TLS', () => {
  let certs: TestCerts;
  let tls: ProcessHandle;
  let mtls: ProcessHandle;

  beforeAll(async () => {
    certs = makeTestCerts();
    const env = { STAGES_LOG_LEVEL: 'silent', TLS_DIR: certs.dir };
    [tls, mtls] = await Promise.all([
      startProcess({ args: [PROVIDER], env, ready: /listening \d+/ }),
      startProcess({ args: [PROVIDER], env: { ...env, MTLS: '1' }, ready: /listening \d+/ }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([tls?.stop(), mtls?.stop()]);
    certs?.remove();
  });

  async function attempt(client: GrpcClientTransport, port: number) {
    try {
      return await caller(client, providerAt(port))('echo', 'secure', { timeoutMs: 3000 });
    } finally {
      await client.close();
    }
  }

  it('serves TLS to a client that trusts the CA, and refuses a plaintext client', async () => {
    const port = portOf(tls.output());
    await expect(attempt(new GrpcClientTransport({ tls: { ca: certs.ca } }), port)).resolves.toBe('secure');
    await expect(attempt(new GrpcClientTransport(), port)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('with mutual TLS, accepts a CA-signed client certificate and refuses none or a stranger', async () => {
    const port = portOf(mtls.output());
    const good = new GrpcClientTransport({ tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } });
    await expect(attempt(good, port)).resolves.toBe('secure');
    await expect(attempt(new GrpcClientTransport({ tls: { ca: certs.ca } }), port)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    const stranger = new GrpcClientTransport({
      tls: { ca: certs.ca, cert: certs.strangerCert, key: certs.strangerKey },
    });
    await expect(attempt(stranger, port)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('refuses a TLS config that cannot work', () => {
    expect(() => new GrpcClientTransport({ tls: { ca: certs.ca, cert: certs.clientCert } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

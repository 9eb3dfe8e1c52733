import { fileURLToPath } from 'node:url';
import { credentials, loadPackageDefinition, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { type ProcessHandle, startProcess } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcIdlClientTransport } from '../../src/grpc/grpc-idl-client-transport.js';
import { caller, PROVIDER, portOf, providerAt } from './fixtures/client-helpers.js';
import { GREETER_PROTO } from './fixtures/services.js';

type Unary = (req: object, md: Metadata, opts: object, cb: (e: ServiceError | null, r?: unknown) => void) => void;
type PlainClient = Record<string, Unary> & { close(): void };

/** A plain grpc-js client that knows only the .proto: what any other gRPC user would write. */
function plainClient(protoFile: string, service: string, port: number): PlainClient {
  const pkg = loadPackageDefinition(loadSync(protoFile, { keepCase: true, enums: String, defaults: true })) as Record<
    string,
    unknown
  >;
  const ctor = service.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], pkg) as new (
    address: string,
    creds: ReturnType<typeof credentials.createInsecure>,
  ) => PlainClient;
  return new ctor(`127.0.0.1:${port}`, credentials.createInsecure());
}

function unary(client: PlainClient, method: string, request: object, metadata = new Metadata()) {
  return new Promise<unknown>((resolve, reject) =>
    client[method]!(request, metadata, { deadline: Date.now() + 5000 }, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

describe('gRPC IDL mode and health, across processes', () => {
  let provider: ProcessHandle;
  let port: number;

  beforeAll(async () => {
    provider = await startProcess({ args: [PROVIDER], env: { STAGES_LOG_LEVEL: 'silent' }, ready: /listening \d+/ });
    port = portOf(provider.output());
  });
  afterAll(() => provider?.stop());

  it('is callable by a plain @grpc/grpc-js client that knows only the .proto', async () => {
    const client = plainClient(GREETER_PROTO, 'stages.test.Greeter', port);
    try {
      await expect(unary(client, 'SayHello', { name: 'ann', times: 2 })).resolves.toEqual({ message: 'hello ann!!' });
      const error = (await unary(client, 'Fail', { code: 'NO_PROVIDER', message: 'none left' }).catch(
        (e: unknown) => e,
      )) as ServiceError;
      // A foreign client sees a sensible gRPC status; the exact Stages code rides in a trailer.
      expect(error.code).toBe(14);
      expect(error.details).toBe('none left');
      expect(error.metadata.get('stages-error-code')).toEqual(['NO_PROVIDER']);
    } finally {
      client.close();
    }
  });

  it('round-trips calls and exact error codes through the IDL client transport', async () => {
    const transport = new GrpcIdlClientTransport({
      protos: { greeter: { file: GREETER_PROTO, service: 'stages.test.Greeter' } },
    });
    try {
      const call = caller(transport, providerAt(port, 'greeter', 'grpc-idl'), 'greeter');
      await expect(call('sayHello', { name: 'bo', times: 1 })).resolves.toEqual({ message: 'hello bo!' });
      await expect(call('fail', { code: 'ALREADY_EXISTS', message: 'dup' })).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
        message: 'dup',
      });
      await expect(call('nosuch')).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
    } finally {
      await transport.close();
    }
  });

  it('refuses an oversized unary request with RESOURCE_EXHAUSTED and keeps serving', async () => {
    const small = await startProcess({
      args: [PROVIDER],
      env: { STAGES_LOG_LEVEL: 'silent', MAX_BYTES: '1024' },
      ready: /listening \d+/,
    });
    const client = plainClient(GREETER_PROTO, 'stages.test.Greeter', portOf(small.output()));
    try {
      await expect(unary(client, 'SayHello', { name: 'z'.repeat(5000), times: 0 })).rejects.toMatchObject({ code: 8 });
      await expect(unary(client, 'SayHello', { name: 'ok', times: 0 })).resolves.toEqual({ message: 'hello ok' });
    } finally {
      client.close();
      await small.stop();
    }
  });

  it('serves grpc.health.v1 Check and Watch', async () => {
    const healthProto = fileURLToPath(new URL('./fixtures/health.proto', import.meta.url));
    const health = plainClient(healthProto, 'grpc.health.v1.Health', port);
    try {
      await expect(unary(health, 'Check', { service: '' })).resolves.toEqual({ status: 'SERVING' });
      await expect(unary(health, 'Check', { service: 'echo' })).resolves.toEqual({ status: 'SERVING' });
      await expect(unary(health, 'Check', { service: 'greeter' })).resolves.toEqual({ status: 'SERVING' });
      await expect(unary(health, 'Check', { service: 'nope' })).rejects.toMatchObject({ code: 5 });
      const watch = (health.Watch as unknown as (r: object) => NodeJS.EventEmitter & { cancel(): void })({
        service: 'nope',
      });
      watch.on('error', () => {});
      const first = await new Promise((resolve) => watch.once('data', resolve));
      expect(first).toEqual({ status: 'SERVICE_UNKNOWN' });
      watch.cancel();
    } finally {
      health.close();
    }
  });
});

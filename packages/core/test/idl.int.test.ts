import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Rpc, Service, Stages } from '@stages/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const PROTO = fileURLToPath(new URL('./fixtures/greeter.proto', import.meta.url));

@Service({ name: 'greeter', proto: { file: PROTO, service: 'hello.Greeter' } })
class GreeterService {
  @Rpc({ input: z.object({ name: z.string().min(1) }) })
  async Greet(req: { name: string }) {
    return { message: `Hello, ${req.name}` };
  }
}

describe('IDL mode through the app', () => {
  it('serves a decorated service to a plain grpc-js client generated from the .proto', async () => {
    const app = await Stages.create({
      services: [GreeterService],
      config: { server: { protocol: 'grpc', port: 0 }, admin: { enabled: false }, deregisterGraceMs: 0 },
      handleSignals: false,
    }).start();
    const definition = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO)) as unknown as {
      hello: { Greeter: grpc.ServiceClientConstructor };
    };
    const client = new definition.hello.Greeter(`127.0.0.1:${app.address!.port}`, grpc.credentials.createInsecure());
    const greet = (name: string) =>
      new Promise<unknown>((resolve, reject) =>
        client.Greet!({ name }, (error: grpc.ServiceError | null, reply: unknown) =>
          error ? reject(error) : resolve(reply),
        ),
      );
    try {
      await expect(greet('Ada')).resolves.toEqual({ message: 'Hello, Ada' });
      // The input schema runs before the handler, and a foreign client sees the matching gRPC status.
      await expect(greet('')).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    } finally {
      client.close();
      await app.stop();
    }
  });
});

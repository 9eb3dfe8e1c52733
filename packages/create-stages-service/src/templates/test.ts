import { namesOf, type ProjectOptions } from '../options.js';

/** test/service.test.ts: starts the real app (no mocks) and calls the method through the framework. */
export function testSource(options: ProjectOptions): string {
  const n = namesOf(options.name);
  const counts = options.capabilities.includes('data') ? [1, 2] : [1, 1];
  return options.mode === 'idl'
    ? idlTest(n.kebab, n.className, n.protoPackage, n.pascal, counts)
    : jsonTest(n.kebab, n.className, counts);
}

function jsonTest(name: string, className: string, counts: number[]): string {
  return `import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Stages, StagesError } from '@stages/core';
import { ${className} } from '../src/service.js';

interface Api {
  greet(req: { name: string }): Promise<{ message: string; count: number }>;
}

let app: Stages;

before(async () => {
  app = await Stages.create({
    services: [${className}],
    config: { app: { name: '${name}-test' }, admin: { port: 0 } },
    handleSignals: false,
  }).start();
});

after(() => app?.stop());

test('greet answers through the framework', async () => {
  const client = app.client<Api>(${className});
  assert.deepEqual(await client.greet({ name: 'Ada' }), { message: 'Hello, Ada!', count: ${counts[0]} });
  assert.deepEqual(await client.greet({ name: 'Ada' }), { message: 'Hello, Ada!', count: ${counts[1]} });
});

test('bad input is refused with INVALID_ARGUMENT', async () => {
  const client = app.client<Api>(${className});
  await assert.rejects(client.greet({ name: '' }), (error) => StagesError.is(error, 'INVALID_ARGUMENT'));
});

test('the app reports ready on its admin port', async () => {
  const response = await fetch(\`http://127.0.0.1:\${app.adminAddress?.port}/health/ready\`);
  assert.equal(response.status, 200);
});
`;
}

function idlTest(name: string, className: string, pkg: string, pascal: string, counts: number[]): string {
  return `import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Stages } from '@stages/core';
import { ${className} } from '../src/service.js';

const PROTO = fileURLToPath(new URL('../../proto/${name}.proto', import.meta.url));

let app: Stages;
let client: grpc.Client & Record<string, grpc.requestCallback<unknown> | ((...args: unknown[]) => unknown)>;

before(async () => {
  app = await Stages.create({
    services: [${className}],
    config: { app: { name: '${name}-test' }, server: { port: 0 }, admin: { port: 0 }, deregisterGraceMs: 0 },
    handleSignals: false,
  }).start();
  // A plain gRPC client built from the .proto alone: what a caller in any language does.
  const definition = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO)) as unknown as {
    ${pkg}: { ${pascal}: grpc.ServiceClientConstructor };
  };
  client = new definition.${pkg}.${pascal}(\`127.0.0.1:\${app.address?.port}\`, grpc.credentials.createInsecure()) as never;
});

after(async () => {
  client?.close();
  await app?.stop();
});

const greet = (name: string) =>
  new Promise<unknown>((resolve, reject) =>
    (client.Greet as (req: unknown, cb: (error: grpc.ServiceError | null, reply: unknown) => void) => void)(
      { name },
      (error, reply) => (error ? reject(error) : resolve(reply)),
    ),
  );

test('Greet answers a plain gRPC client', async () => {
  assert.deepEqual(await greet('Ada'), { message: 'Hello, Ada!', count: ${counts[0]} });
  assert.deepEqual(await greet('Ada'), { message: 'Hello, Ada!', count: ${counts[1]} });
});

test('bad input is refused with INVALID_ARGUMENT', async () => {
  await assert.rejects(greet(''), (error: grpc.ServiceError) => error.code === grpc.status.INVALID_ARGUMENT);
});

test('the app reports ready on its admin port', async () => {
  const response = await fetch(\`http://127.0.0.1:\${app.adminAddress?.port}/health/ready\`);
  assert.equal(response.status, 200);
});
`;
}

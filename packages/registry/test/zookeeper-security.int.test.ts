import { createRequire } from 'node:module';
import { startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProviderInstance, ZkLayout, ZooKeeperRegistry } from '../src/index.js';
import { ids, instance, watch } from './helpers.js';

// The raw client, to act as "someone else" writing to ZooKeeper behind the registry's back.
const raw = createRequire(import.meta.url)('node-zookeeper-client') as {
  createClient(hosts: string): RawClient;
  CreateMode: { EPHEMERAL: number; PERSISTENT: number };
  Exception: { NO_AUTH: number };
};
interface RawClient {
  connect(): void;
  close(): void;
  once(event: 'connected', fn: () => void): void;
  addAuthInfo(scheme: string, auth: Buffer): void;
  create(path: string, data: Buffer, mode: number, cb: (e: { getCode(): number } | null) => void): void;
  mkdirp(path: string, cb: (e: unknown) => void): void;
  setData(path: string, data: Buffer, version: number, cb: (e: { getCode(): number } | null) => void): void;
  remove(path: string, version: number, cb: (e: { getCode(): number } | null) => void): void;
  getData(path: string, cb: (e: unknown, data: Buffer) => void): void;
  exists(path: string, cb: (e: unknown, stat: unknown) => void): void;
}

let zk: ZooKeeperCluster;
let client: RawClient;
const registries: ZooKeeperRegistry[] = [];
const make = (options: Partial<ConstructorParameters<typeof ZooKeeperRegistry>[0]>) => {
  const r = new ZooKeeperRegistry({ connectionString: zk.connectionString, snapshotDir: false, ...options });
  registries.push(r);
  return r;
};
const call = <T>(fn: (cb: (e: unknown, v?: T) => void) => void) =>
  new Promise<{ error: { getCode(): number } | null; value: T | undefined }>((resolve) =>
    fn((error, value) => resolve({ error: error as { getCode(): number } | null, value })),
  );

beforeAll(async () => {
  zk = await startZooKeeper();
  client = raw.createClient(zk.connectionString);
  await new Promise<void>((resolve) => {
    client.once('connected', resolve);
    client.connect();
  });
});
afterAll(async () => {
  client?.close();
  await Promise.all(registries.map((r) => r.close()));
  await zk?.stop();
});

describe('ZooKeeper registry: junk written by someone else', () => {
  it('skips junk nodes with a warning and a count, and never hides the valid providers', async () => {
    const provider = make({ namespace: 'junk' });
    const good = instance({ service: 'pay' });
    await provider.register(good);
    const dir = new ZkLayout('', 'junk').providers('pay');
    const junk: Array<[string, string]> = [
      ['not-json', '{{{ definitely not json'],
      ['wrong-fields', JSON.stringify({ id: 'wrong-fields', service: 'pay', host: 42 })],
      ['other-service', JSON.stringify({ ...good, id: 'other-service', service: 'ship' } satisfies ProviderInstance)],
      ['empty', ''],
    ];
    for (const [name, body] of junk) {
      const { error } = await call((cb) =>
        client.create(`${dir}/${name}`, Buffer.from(body), raw.CreateMode.EPHEMERAL, cb),
      );
      expect(error).toBeNull();
    }
    const consumer = make({ namespace: 'junk' });
    const sub = watch(consumer, 'pay');
    expect(ids(await sub.until(() => true))).toEqual([good.id]);
    expect(consumer.stats.junkNodes).toBe(junk.length);
    expect(ids(await consumer.lookup('pay'))).toEqual([good.id]);

    // Junk arriving later is skipped as well, and a valid newcomer still gets through.
    await call((cb) => client.create(`${dir}/late-junk`, Buffer.from('[1,2,3]'), raw.CreateMode.EPHEMERAL, cb));
    const second = instance({ service: 'pay' });
    await provider.register(second);
    expect(ids(await sub.until((u) => u.providers.length === 2))).toEqual(ids([good, second]));
    sub.stop();
  });
});

describe('ZooKeeper registry: digest ACLs', () => {
  const credentials = { username: 'stages', password: 's3cret' };

  it('lets anyone read provider nodes but only the credential holder change them', async () => {
    const provider = make({ namespace: 'secure', credentials });
    const p = instance({ service: 'vault' });
    await provider.register(p);
    const layout = new ZkLayout('', 'secure');
    const node = layout.provider('vault', p.id);

    // Unauthenticated: may read...
    const read = await call<Buffer>((cb) => client.getData(node, cb));
    expect(read.error).toBeNull();
    expect(JSON.parse(read.value!.toString()).id).toBe(p.id);
    // ...but not overwrite, delete, or add a fake provider next to it.
    const write = await call((cb) => client.setData(node, Buffer.from('{}'), -1, cb));
    expect(write.error?.getCode()).toBe(raw.Exception.NO_AUTH);
    const remove = await call((cb) => client.remove(node, -1, cb));
    expect(remove.error?.getCode()).toBe(raw.Exception.NO_AUTH);
    const fake = await call((cb) =>
      client.create(`${layout.providers('vault')}/fake`, Buffer.from('{}'), raw.CreateMode.EPHEMERAL, cb),
    );
    expect(fake.error?.getCode()).toBe(raw.Exception.NO_AUTH);

    // A consumer needs no credential; a registry with the wrong one is refused with a typed error.
    const consumer = make({ namespace: 'secure' });
    expect(ids(await consumer.lookup('vault'))).toEqual([p.id]);
    const intruder = make({ namespace: 'secure', credentials: { username: 'stages', password: 'guess' } });
    await expect(intruder.register(instance({ service: 'vault' }))).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    // The holder itself can still update and remove its node.
    await provider.register({ ...p, weight: 1 });
    await provider.deregister(p.id);
    expect(await consumer.lookup('vault')).toEqual([]);
  });
});

describe('ZooKeeper registry: connection string', () => {
  it('tries every host and keeps everything under the chroot', async () => {
    // The first host refuses connections; the client moves on to the next one.
    const deadPort = 1;
    const registry = make({
      connectionString: `127.0.0.1:${deadPort},${zk.connectionString}/tenants/acme`,
      namespace: 'x',
    });
    const p = instance({ service: 'svc' });
    await registry.register(p);
    const { value } = await call<unknown>((cb) =>
      client.exists(`/tenants/acme/stages/x/services/svc/providers/${encodeURIComponent(p.id)}`, cb),
    );
    expect(value).toBeTruthy();
    expect(await registry.services()).toEqual(['svc']);
  });
});

describe('ZooKeeper registry: consumer records', () => {
  it('records consumers for the dashboard and drops them when the consumer closes', async () => {
    const consumer = make({ namespace: 'records' });
    await consumer.registerConsumer({ id: 'web-1', service: 'cart', host: '127.0.0.1', app: 'web', startTime: 1 });
    const observer = make({ namespace: 'records' });
    expect(await observer.consumers('cart')).toEqual([
      { id: 'web-1', service: 'cart', host: '127.0.0.1', app: 'web', startTime: 1 },
    ]);
    expect(await observer.services()).toEqual(['cart']);
    await consumer.close();
    expect(await observer.consumers('cart')).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConnectionString, registries, ZkLayout, ZooKeeperRegistry } from '../src/index.js';

describe('ZooKeeper options', () => {
  it('splits hosts from the chroot', () => {
    expect(parseConnectionString('127.0.0.1:2181,127.0.0.1:2182/apps/shop/')).toEqual({
      hosts: '127.0.0.1:2181,127.0.0.1:2182',
      chroot: '/apps/shop',
    });
    expect(parseConnectionString('127.0.0.1:2181')).toEqual({ hosts: '127.0.0.1:2181', chroot: '' });
  });

  it.each([
    [{ connectionString: '' }, 'connectionString'],
    [{ connectionString: 'nohostport' }, 'connectionString'],
    [{ connectionString: '127.0.0.1:2181/a/../b' }, 'connectionString'],
    [{ connectionString: '127.0.0.1:2181', namespace: 'a/b' }, 'namespace'],
    [{ connectionString: '127.0.0.1:2181', sessionTimeoutMs: -1 }, 'sessionTimeoutMs'],
    [{ connectionString: '127.0.0.1:2181', credentials: { username: 'a:b', password: 'x' } }, 'credentials.username'],
  ])('rejects bad options with CONFIG_INVALID naming the field (%j)', (options, field) => {
    expect(() => new ZooKeeperRegistry(options as never)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { field } }),
    );
  });

  it('lays providers out one encoded segment per id', () => {
    const layout = new ZkLayout('/c', 'ns');
    expect(layout.provider('shop.Orders', '10.0.0.1:50051/x')).toBe(
      '/c/stages/ns/services/shop.Orders/providers/10.0.0.1%3A50051%2Fx',
    );
    expect(layout.ancestors('/c/stages/ns')).toEqual(['/c', '/c/stages']);
  });
});

describe('registries resolver', () => {
  it('builds each kind by name and rejects unknown names with UNKNOWN_PLUGIN', async () => {
    const memory = registries.resolve('memory');
    expect(memory.name).toBe('memory');
    const fixed = registries.resolve({
      type: 'static',
      options: { providers: [{ service: 'a', host: 'h', port: 1 }] },
    });
    expect(await fixed.lookup('a')).toHaveLength(1);
    expect(() => registries.resolve('etcd')).toThrow(expect.objectContaining({ code: 'UNKNOWN_PLUGIN' }));
    await memory.close();
  });
});

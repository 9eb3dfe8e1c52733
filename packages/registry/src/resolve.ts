import { PluginResolver } from '@stages/common';
import { InMemoryRegistry, type InMemoryRegistryOptions } from './memory/memory-registry.js';
import type { Registry } from './registry.js';
import { StaticRegistry, type StaticRegistryOptions } from './static/static-registry.js';
import type { ZooKeeperRegistryOptions } from './zookeeper/options.js';
import { ZooKeeperRegistry } from './zookeeper/zookeeper-registry.js';

/**
 * `registry: 'memory'`, `{ type: 'zookeeper', options: { connectionString } }`, `{ type: 'static', options:
 * { providers } }`, or a Registry instance. Unknown names fail with UNKNOWN_PLUGIN. Register more with
 * `registries.register(name, factory)`.
 */
// biome-ignore lint/suspicious/noExplicitAny: each factory validates its own options object.
export const registries = new PluginResolver<Registry, any>('registry')
  .register('memory', (options?: InMemoryRegistryOptions) => new InMemoryRegistry(options))
  .register('static', (options?: StaticRegistryOptions) => new StaticRegistry(options ?? { providers: [] }))
  .register(
    'zookeeper',
    (options?: ZooKeeperRegistryOptions) => new ZooKeeperRegistry(options as ZooKeeperRegistryOptions),
  );

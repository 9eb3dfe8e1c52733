export { assertProviderInstance, type ParseResult, parseProviderInstance, sortInstances } from './instance.js';
export type { RegistryStats } from './internal/telemetry.js';
export { InMemoryRegistry, type InMemoryRegistryOptions } from './memory/memory-registry.js';
export { InMemoryStore } from './memory/memory-store.js';
export type {
  ConsumerRecord,
  ProviderInstance,
  ProvidersListener,
  ProvidersUpdate,
  Registry,
} from './registry.js';
export { registries } from './resolve.js';
export { type StaticProvider, StaticRegistry, type StaticRegistryOptions } from './static/static-registry.js';
export { DEFAULT_WARMUP_MS, effectiveWeight, warmupOf } from './warmup.js';
export { digestId } from './zookeeper/acl.js';
export {
  parseConnectionString,
  type ResolvedZooKeeperOptions,
  ZOOKEEPER_DEFAULTS,
  type ZooKeeperCredentials,
  type ZooKeeperRegistryOptions,
} from './zookeeper/options.js';
export { ZkLayout } from './zookeeper/paths.js';
export { ZooKeeperRegistry } from './zookeeper/zookeeper-registry.js';

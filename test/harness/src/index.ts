// The harness's public surface: real servers for integration tests. See docs/testing.md.
export { MissingBinaryError } from './binaries.js';
export { freePort, freePorts } from './free-port.js';
export type { ChildExit } from './internal/child.js';
export { sweepStale } from './internal/workdir.js';
export {
  type PostgresCluster,
  type PostgresOptions,
  type PostgresServer,
  pgQuery,
  startPostgres,
} from './postgres.js';
export { type ProcessHandle, type ProcessOptions, repoRoot, startProcess } from './process.js';
export { type RedisCluster, type RedisOptions, type RedisServer, redisInfo, startRedis } from './redis.js';
export type { ServerGroup, ServerHandle } from './server-handle.js';
export { startZooKeeper, type ZooKeeperCluster, type ZooKeeperOptions, zooKeeperMode } from './zookeeper.js';

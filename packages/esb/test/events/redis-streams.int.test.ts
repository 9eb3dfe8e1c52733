import { type RedisCluster, startRedis } from '@stages/test-harness';
import { afterAll, beforeAll } from 'vitest';
import { RedisStreamsEventBus } from '../../src/index.js';
import { eventBusContract } from './contract.js';

let redis: RedisCluster;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

// Short leases and reads so members rebalance within a second in tests.
eventBusContract(
  'redis-streams',
  async () => new RedisStreamsEventBus({ url: redis.primary.url, leaseMs: 900, blockMs: 100 }),
  {
    settleMs: 300,
  },
);

import { describe, it } from 'vitest';
import { KafkaEventBus } from '../../src/index.js';
import { eventBusContract } from './contract.js';

// No Kafka broker can be installed on this repository's machines (none on npm or Debian that kafkajs can talk
// to), so this runs only where one is provided: KAFKA_BROKERS=127.0.0.1:9092 npx vitest run packages/esb/test/events/kafka
const bus = KafkaEventBus.fromEnv();
if (bus) eventBusContract('kafka', async () => KafkaEventBus.fromEnv()!, { settleMs: 500 });
else
  describe('event bus contract: kafka', () =>
    it.skip('skipped: set KAFKA_BROKERS (comma-separated host:port) to run against a real Kafka', () => {}));

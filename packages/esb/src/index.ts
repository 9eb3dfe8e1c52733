export {
  DLQ_HEADERS,
  type EventBus,
  type EventHandler,
  type EventMessage,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
} from './events/event-bus.js';
export { type InProcessBusOptions, InProcessEventBus } from './events/in-process-bus.js';
export { type KafkaBusOptions, KafkaEventBus } from './events/kafka-bus.js';
export { Outbox, type OutboxOptions } from './events/outbox.js';
export { OutboxRelay, type OutboxRelayOptions } from './events/outbox-relay.js';
export { partitionOf } from './events/partition.js';
export { type RedisStreamsBusOptions, RedisStreamsEventBus } from './events/redis-streams-bus.js';
export { eventBuses } from './events/resolve.js';

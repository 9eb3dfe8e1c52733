import { PluginResolver } from '@stages/common';
import type { EventBus } from './event-bus.js';
import { type InProcessBusOptions, InProcessEventBus } from './in-process-bus.js';
import { type KafkaBusOptions, KafkaEventBus } from './kafka-bus.js';
import { type RedisStreamsBusOptions, RedisStreamsEventBus } from './redis-streams-bus.js';

/**
 * Event bus names usable in config: `'in-process'`, `{ type: 'redis-streams', options: { url } }`,
 * `{ type: 'kafka', options: { brokers: ['127.0.0.1:9092'] } }`.
 */
export const eventBuses = new PluginResolver<EventBus, Record<string, unknown>>('event bus')
  .register('in-process', (o) => new InProcessEventBus(o as InProcessBusOptions))
  .register('redis-streams', (o) => new RedisStreamsEventBus((o ?? {}) as unknown as RedisStreamsBusOptions))
  .register('kafka', (o) => new KafkaEventBus((o ?? {}) as unknown as KafkaBusOptions));

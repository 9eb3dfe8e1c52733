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
export { Gateway, type GatewayOptions } from './gateway/gateway.js';
export { bearerToken, type JwtOptions, JwtVerifier } from './gateway/jwt.js';
export { PROBLEM_CONTENT_TYPE, type Problem, toProblem } from './gateway/problem.js';
export type { GatewayRequest, GatewayRoute, HttpMethod, Identity, Schema } from './gateway/route.js';
export type { ClientDefaults, ServiceCaller } from './gateway/service-callers.js';
export { RouteBuilder, route } from './routes/builder.js';
export type { RouteResult } from './routes/executor.js';
export { RouteEngine, type RouteEngineOptions } from './routes/route-engine.js';
export { type RouteSource, staticRoutes } from './routes/route-source.js';
export type {
  Condition,
  Endpoint,
  Exchange,
  Expression,
  From,
  RouteDefinition,
  RouteFunction,
  Step,
} from './routes/schema.js';

import 'reflect-metadata';

// The cache, data and event types a service needs, so it imports only @stages/core (see docs/integrations.md).
export { type CacheStats, TwoLevelCache, TwoLevelCache as Cache } from '@stages/cache';
// Service authors import only @stages/core: what they need from common is re-exported here.
export {
  type CallContext,
  codeFromGrpcStatus,
  createLogger,
  currentContext,
  defineService,
  ERROR_CODES,
  type ErrorCode,
  grpcStatusOf,
  httpStatusOf,
  type InputSchema,
  isErrorCode,
  type Logger,
  type MethodDescriptor,
  meter,
  minDeadline,
  remainingMs,
  runWithContext,
  type ServiceDescriptor,
  StagesError,
  type StagesErrorOptions,
  tracer,
  type WireError,
  withSpan,
} from '@stages/common';
export {
  type DataSource,
  type Dialect,
  type ExecuteResult,
  type Migration,
  migrate,
  type QueryOptions,
  type Row,
} from '@stages/data';
export type {
  EventBus,
  EventHandler,
  EventMessage,
  GatewayRequest,
  GatewayRoute,
  HttpMethod,
  Identity,
  PublishOptions,
  Subscription,
} from '@stages/esb';
// What declaring ESB routes in TypeScript needs (config `esb.routes`; see docs/routes.md).
export {
  type Condition,
  type Endpoint,
  type Exchange,
  type Expression,
  type From,
  RouteBuilder,
  type RouteDefinition,
  type RouteFunction,
  type RouteResult,
  route,
  type Step,
} from '@stages/esb';
export { type ApiToken, defineApi, isApiToken } from './api-token.js';
export type { StagesOptions, StopHook } from './app/options.js';
export { type LifecycleEvent, Stages } from './app/stages.js';
export { AppConfig, type ConfigHandle } from './config/app-config.js';
export {
  type CacheConfig,
  type DataSourceSettings,
  type EsbConfig,
  type EventsConfig,
  type GatewayConfig,
  type RouteDocumentInput,
  type StagesConfig,
  type StagesConfigInput,
  StagesConfigSchema,
} from './config/schema.js';
export { Feature } from './decorators/feature.js';
export type {
  Fallback,
  ReferenceOptions,
  ReferenceTarget,
  RpcOptions,
  Scope,
  ServiceOptions,
} from './decorators/metadata.js';
export { Reference } from './decorators/reference.js';
export { Rpc } from './decorators/rpc.js';
export { Injectable, Scoped, Service } from './decorators/service.js';
export { AppContainer } from './di/app-container.js';
export { Features, type Flags, type FlagValue } from './features/features.js';
export { bucketOf } from './features/rollout.js';
export { AdminServer } from './health/admin-server.js';
export { Health, type HealthCheck, type Phase } from './health/health.js';
export {
  Cacheable,
  type CacheableOptions,
  CacheEvict,
  type CacheEvictOptions,
} from './integrations/cache.js';
export { DataSources, DEFAULT_DATASOURCE, InjectDataSource } from './integrations/datasources.js';
export { Events, Subscribe, type SubscribeOptions } from './integrations/events.js';
export { AppGateway, type GatewayDeps } from './integrations/gateway.js';
export { AppRoutes, configRouteSource, type RouteDeps } from './integrations/routes.js';
export { createProxy, type Remote } from './references/proxy.js';
export type { ReferenceClient, ReferenceSpec } from './references/reference-client.js';
export {
  isServiceClass,
  type ServiceClass,
  type ServiceDefinition,
  type ServiceOverrides,
  scanService,
  toDescriptor,
} from './scanner/scan-service.js';
export { Telemetry, type TelemetryOptions } from './telemetry/telemetry.js';

import 'reflect-metadata';

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
export { type ApiToken, defineApi, isApiToken } from './api-token.js';
export type { StagesOptions, StopHook } from './app/options.js';
export { type LifecycleEvent, Stages } from './app/stages.js';
export { AppConfig, type ConfigHandle } from './config/app-config.js';
export { type StagesConfig, type StagesConfigInput, StagesConfigSchema } from './config/schema.js';
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

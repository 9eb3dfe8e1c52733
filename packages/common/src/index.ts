export { type CallContext, currentContext, minDeadline, remainingMs, runWithContext } from './context/call-context.js';
export { defineService, type InputSchema, type MethodDescriptor, type ServiceDescriptor } from './descriptor.js';
export {
  codeFromGrpcStatus,
  ERROR_CODES,
  type ErrorCode,
  grpcStatusOf,
  httpStatusOf,
  isErrorCode,
} from './errors/codes.js';
export { StagesError, type StagesErrorOptions, type WireError } from './errors/stages-error.js';
export { createLogger, type Logger, rootLogger, setRootLogger } from './logger.js';
export { PluginResolver, type PluginSpec } from './resolve.js';
export { meter, recordError, tracer, withSpan } from './telemetry/instruments.js';
export { registerTelemetry } from './telemetry/register.js';

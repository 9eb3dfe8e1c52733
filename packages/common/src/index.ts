export { ERROR_CODES, type ErrorCode, codeFromGrpcStatus, grpcStatusOf, httpStatusOf, isErrorCode } from './errors/codes.js';
export { StagesError, type StagesErrorOptions, type WireError } from './errors/stages-error.js';
export { type CallContext, currentContext, minDeadline, remainingMs, runWithContext } from './context/call-context.js';
export { createLogger, type Logger, rootLogger, setRootLogger } from './logger.js';
export { meter, recordError, tracer, withSpan } from './telemetry/instruments.js';
export { defineService, type InputSchema, type MethodDescriptor, type ServiceDescriptor } from './descriptor.js';
export { PluginResolver, type PluginSpec } from './resolve.js';

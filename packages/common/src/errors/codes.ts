/**
 * Every error code Stages can raise, with the gRPC status and HTTP status it maps to.
 * Codes are stable: never renamed, never reused. Adding one means adding a row here and a line in
 * docs/errors.md (test/errors-documented.test.ts checks both).
 *
 * The first sixteen are gRPC's own codes, so a foreign gRPC status maps straight onto one. The rest
 * are Stages' own and travel as a gRPC status plus the `stages-error-code` trailer, so the exact code
 * survives the network and a foreign client still sees a sensible status.
 */
export const ERROR_CODES = {
  CANCELLED: { grpc: 1, http: 499, retryable: false },
  UNKNOWN: { grpc: 2, http: 500, retryable: false },
  INVALID_ARGUMENT: { grpc: 3, http: 400, retryable: false },
  DEADLINE_EXCEEDED: { grpc: 4, http: 504, retryable: true },
  NOT_FOUND: { grpc: 5, http: 404, retryable: false },
  ALREADY_EXISTS: { grpc: 6, http: 409, retryable: false },
  PERMISSION_DENIED: { grpc: 7, http: 403, retryable: false },
  RESOURCE_EXHAUSTED: { grpc: 8, http: 429, retryable: true },
  FAILED_PRECONDITION: { grpc: 9, http: 412, retryable: false },
  ABORTED: { grpc: 10, http: 409, retryable: true },
  OUT_OF_RANGE: { grpc: 11, http: 400, retryable: false },
  UNIMPLEMENTED: { grpc: 12, http: 501, retryable: false },
  INTERNAL: { grpc: 13, http: 500, retryable: false },
  UNAVAILABLE: { grpc: 14, http: 503, retryable: true },
  DATA_LOSS: { grpc: 15, http: 500, retryable: false },
  UNAUTHENTICATED: { grpc: 16, http: 401, retryable: false },
  // Stages' own codes.
  CIRCUIT_OPEN: { grpc: 14, http: 503, retryable: true },
  NO_PROVIDER: { grpc: 14, http: 503, retryable: true },
  REGISTRY_UNAVAILABLE: { grpc: 14, http: 503, retryable: true },
  CONFIG_INVALID: { grpc: 9, http: 500, retryable: false },
  CONFIG_MISSING: { grpc: 9, http: 500, retryable: false },
  UNKNOWN_PLUGIN: { grpc: 9, http: 500, retryable: false },
  DATASOURCE_ERROR: { grpc: 14, http: 503, retryable: true },
  CROSS_DATASOURCE: { grpc: 9, http: 400, retryable: false },
  SHARD_KEY_REQUIRED: { grpc: 9, http: 400, retryable: false },
  CACHE_UNAVAILABLE: { grpc: 14, http: 503, retryable: true },
  MESSAGE_INVALID: { grpc: 3, http: 400, retryable: false },
  ROUTE_INVALID: { grpc: 9, http: 500, retryable: false },
  PAYLOAD_TOO_LARGE: { grpc: 8, http: 413, retryable: false },
  RATE_LIMITED: { grpc: 8, http: 429, retryable: true },
  FEATURE_DISABLED: { grpc: 9, http: 404, retryable: false },
  CLOCK_MOVED_BACKWARDS: { grpc: 14, http: 503, retryable: true },
} as const satisfies Record<string, { grpc: number; http: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

const GRPC_TO_CODE = new Map<number, ErrorCode>();
for (const [code, row] of Object.entries(ERROR_CODES) as [ErrorCode, (typeof ERROR_CODES)[ErrorCode]][]) {
  // The first code listed for a status wins: gRPC's own names come first in the table.
  if (!GRPC_TO_CODE.has(row.grpc)) GRPC_TO_CODE.set(row.grpc, code);
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

export function grpcStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].grpc;
}

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].http;
}

/** The Stages code for a gRPC status number; unknown numbers become UNKNOWN. */
export function codeFromGrpcStatus(status: number): ErrorCode {
  return GRPC_TO_CODE.get(status) ?? 'UNKNOWN';
}

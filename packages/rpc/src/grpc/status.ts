import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { codeFromGrpcStatus, grpcStatusOf, isErrorCode, StagesError } from '@stages/common';

/** Trailer carrying the exact Stages code, so a code that shares a gRPC status (NO_PROVIDER, UNAVAILABLE) survives. */
export const ERROR_CODE_TRAILER = 'stages-error-code';
/** Trailer carrying the error's details as JSON (safe facts only; StagesError.details never holds secrets). */
export const ERROR_DETAILS_TRAILER = 'stages-error-details';

/** A StagesError as what a grpc-js server callback takes: gRPC status, message, and the code in a trailer. */
export function toGrpcError(error: StagesError): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_TRAILER, error.code);
  if (error.details !== undefined) metadata.set(ERROR_DETAILS_TRAILER, JSON.stringify(error.details));
  return { code: grpcStatusOf(error.code), details: error.message, metadata };
}

/** A failed gRPC call as a StagesError: the trailer's code when present, else the status mapped. */
export function fromGrpcError(error: Partial<ServiceError>, where: string): StagesError {
  const trailer = error.metadata?.get(ERROR_CODE_TRAILER)[0];
  const grpcCode = typeof error.code === 'number' ? error.code : status.UNKNOWN;
  const code = isErrorCode(trailer) ? trailer : codeFromGrpcStatus(grpcCode);
  const message = error.details || `gRPC status ${grpcCode} from ${where}`;
  let details: Record<string, unknown> | undefined;
  const raw = error.metadata?.get(ERROR_DETAILS_TRAILER)[0];
  if (typeof raw === 'string') {
    try {
      details = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      details = undefined;
    }
  }
  return new StagesError(code, message, details === undefined ? {} : { details });
}

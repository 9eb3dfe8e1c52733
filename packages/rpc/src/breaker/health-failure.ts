import { type ErrorCode, StagesError } from '@stages/common';

/**
 * The errors that say something about the provider's health. A NOT_FOUND or INVALID_ARGUMENT is the caller's
 * business, not the provider's: counting them would let one client's bad requests open the breaker and cut
 * every other caller off a perfectly healthy provider.
 */
const HEALTH_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'INTERNAL',
  'UNKNOWN',
]);

export function isHealthFailure(error: unknown): boolean {
  // Anything that is not a StagesError escaped the transport's mapping: treat it as the provider's fault.
  if (!StagesError.is(error)) return true;
  return HEALTH_CODES.has(error.code);
}

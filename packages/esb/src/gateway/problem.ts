import { httpStatusOf, StagesError } from '@stages/common';

/** RFC 9457 problem details, with the stable Stages code beside the HTTP status. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  details?: Record<string, unknown>;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * An error as an HTTP answer. Only a StagesError's own message and details go out: anything else becomes
 * INTERNAL with a fixed message (a driver error may hold a connection string), as on the gRPC wire.
 */
export function toProblem(error: unknown, instance?: string): Problem {
  const e = StagesError.is(error) ? error : new StagesError('INTERNAL', 'internal error');
  const status = httpStatusOf(e.code);
  return {
    type: `urn:stages:error:${e.code}`,
    title: e.code
      .toLowerCase()
      .split('_')
      .map((w, i) => (i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w))
      .join(' '),
    status,
    detail: e.message,
    code: e.code,
    ...(instance === undefined ? {} : { instance }),
    ...(e.details === undefined ? {} : { details: e.details }),
  };
}

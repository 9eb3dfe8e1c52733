import { remainingMs, StagesError } from '@stages/common';

/**
 * The client-side timeout for one statement: the smaller of the statement's own, the datasource default and
 * what is left of the call's deadline. A call whose deadline already passed fails before touching the database.
 */
export function statementTimeout(
  datasource: string,
  own: number | undefined,
  fallback: number | undefined,
): number | undefined {
  const left = remainingMs();
  if (left !== undefined && left <= 0) {
    throw new StagesError(
      'DEADLINE_EXCEEDED',
      `datasource "${datasource}": call deadline passed before the statement`,
      {
        details: { datasource },
      },
    );
  }
  let timeout = own ?? fallback;
  if (left !== undefined) timeout = timeout === undefined ? left : Math.min(timeout, left);
  return timeout === undefined ? undefined : Math.max(1, Math.ceil(timeout));
}

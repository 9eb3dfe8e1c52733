import { StagesError } from '@stages/common';

/**
 * Exit codes a script can branch on, for every `stages` command (the main CLI imports these). Stable, documented
 * in docs/config.md and docs/cli.md.
 * 2 is commander's usage error (unknown option, missing argument).
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  invalid: 4,
  permission: 5,
  unavailable: 6,
  conflict: 7,
} as const;

export function exitCodeFor(error: unknown): number {
  if (!StagesError.is(error)) return EXIT.failure;
  switch (error.code) {
    case 'NOT_FOUND':
    case 'UNIMPLEMENTED':
      return EXIT.notFound;
    case 'CONFIG_INVALID':
    case 'INVALID_ARGUMENT':
      return EXIT.invalid;
    case 'PERMISSION_DENIED':
    case 'UNAUTHENTICATED':
      return EXIT.permission;
    case 'UNAVAILABLE':
    case 'NO_PROVIDER':
    case 'REGISTRY_UNAVAILABLE':
    case 'DEADLINE_EXCEEDED':
    case 'CIRCUIT_OPEN':
      return EXIT.unavailable;
    case 'FAILED_PRECONDITION':
    case 'ALREADY_EXISTS':
    case 'ABORTED':
      return EXIT.conflict;
    default:
      return EXIT.failure;
  }
}

/** A plain-text table: columns padded to their widest cell, a rule under the header. */
export function renderTable(headers: string[], rows: unknown[][]): string {
  const cells = rows.map((row) => row.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function cell(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

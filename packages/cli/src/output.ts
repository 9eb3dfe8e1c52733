import { StagesError } from '@stages/common';

/** Exit codes a script can branch on; the same numbers as `stages config` (docs/cli.md). */
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
    case 'INVALID_ARGUMENT':
    case 'CONFIG_INVALID':
      return EXIT.invalid;
    case 'UNAUTHENTICATED':
    case 'PERMISSION_DENIED':
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

/** One error on stderr (a line, or JSON with --json) and its exit code. */
export function reportError(error: unknown, json: boolean): number {
  const e = StagesError.is(error) ? error : new StagesError('UNKNOWN', (error as Error)?.message ?? String(error));
  if (json)
    process.stderr.write(`${JSON.stringify({ error: { code: e.code, message: e.message, details: e.details } })}\n`);
  else process.stderr.write(`error ${e.code}: ${e.message}\n`);
  return exitCodeFor(e);
}

/** A plain-text table: columns padded to their widest cell, a rule under the header. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers, ...rows].map((row) => row.map((c) => (c === undefined || c === null ? '' : String(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(cells[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/**
 * Shows that slow work is happening (connecting to ZooKeeper, starting servers): a line on stderr when it is a
 * terminal, nothing otherwise, so piped output and --json stay clean.
 */
export async function withProgress<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!process.stderr.isTTY) return work();
  const frames = ['|', '/', '-', '\\'];
  let i = 0;
  const timer = setInterval(() => process.stderr.write(`\r${frames[i++ % frames.length]} ${label}`), 120);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    process.stderr.write(`\r${' '.repeat(label.length + 2)}\r`);
  }
}

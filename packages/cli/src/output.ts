import { StagesError } from '@stages/common';
import { exitCodeFor, renderTable } from '@stages/config';

// One exit-code table for every `stages` command, `stages config` included: it lives with the config CLI.
export { EXIT, exitCodeFor } from '@stages/config';

/** One error on stderr (a line, or JSON with --json) and its exit code. */
export function reportError(error: unknown, json: boolean): number {
  const e = StagesError.is(error) ? error : new StagesError('UNKNOWN', (error as Error)?.message ?? String(error));
  if (json)
    process.stderr.write(`${JSON.stringify({ error: { code: e.code, message: e.message, details: e.details } })}\n`);
  else process.stderr.write(`error ${e.code}: ${e.message}\n`);
  return exitCodeFor(e);
}

/** A plain-text table: columns padded to their widest cell, a rule under the header (the config CLI's renderer). */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return renderTable(
    [...headers],
    rows.map((row) => row.map((c) => (c === null ? undefined : c))),
  );
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

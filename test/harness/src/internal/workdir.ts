import {
  appendFileSync,
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debug } from './debug.js';
import { isAlive, processesIn, signal, startTime } from './procfs.js';

/** Every server gets a dir named like this; the sweep only ever touches names with this prefix. */
export const WORKDIR_PREFIX = 'stages-harness-';
/** Kept across runs (initdb is the slow step of a PostgreSQL start), so the sweep leaves it alone. */
export const PG_TEMPLATE_PREFIX = 'stages-harness-pgtemplate-';

const OWNER_FILE = 'harness-owner';
const PIDS_FILE = 'harness-pids';
const live = new Set<string>();

/**
 * A fresh temp dir for one server, stamped with the owning process (PID + start time) so that a later
 * sweep can tell a dir whose owner died (SIGKILLed test worker, interrupted run) from one in use by a
 * concurrent test run on the same machine.
 */
export function createWorkdir(kind: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${WORKDIR_PREFIX}${kind}-`));
  // mkdtemp makes it 0700 root: PostgreSQL runs as `postgres` and must be able to enter it.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, OWNER_FILE), `${process.pid} ${startTime(process.pid) ?? ''}\n`);
  live.add(dir);
  return dir;
}

/** Records a server PID in its dir, so a sweep can kill it if this process dies without cleaning up. */
export function recordPid(dir: string, pid: number): void {
  appendFileSync(join(dir, PIDS_FILE), `${pid} ${startTime(pid) ?? ''}\n`);
}

/** Kills whatever still runs in the dir and deletes it. */
export function destroyWorkdir(dir: string): void {
  killRecorded(dir);
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  live.delete(dir);
}

function killRecorded(dir: string): void {
  let recorded = '';
  try {
    recorded = readFileSync(join(dir, PIDS_FILE), 'utf8');
  } catch {
    // no server was ever started in it
  }
  for (const line of recorded.split('\n')) {
    const [pid, start] = line.split(' ');
    if (pid && isAlive(Number(pid), start || undefined)) signal(Number(pid), 'SIGKILL');
  }
  for (const pid of processesIn(dir)) signal(pid, 'SIGKILL');
}

function ownerAlive(dir: string): boolean {
  try {
    const [pid, start] = readFileSync(join(dir, OWNER_FILE), 'utf8').trim().split(' ');
    return isAlive(Number(pid), start || undefined);
  } catch {
    // No owner file yet: a dir being created this instant by a concurrent run. Only old ones are stale.
    try {
      return Date.now() - statSync(dir).mtimeMs < 60_000;
    } catch {
      return true;
    }
  }
}

/**
 * Kills the servers and deletes the dirs of harness owners that are gone (a SIGKILLed or interrupted
 * run). Dirs of live owners, including concurrent test runs by someone else, are left alone.
 * Returns the number of dirs removed.
 */
export function sweepStale(): number {
  let removed = 0;
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(WORKDIR_PREFIX) || name.startsWith(PG_TEMPLATE_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    if (ownerAlive(dir)) continue;
    try {
      destroyWorkdir(dir);
      removed++;
    } catch (error) {
      debug(`could not sweep ${dir}: ${(error as Error).message}`);
    }
  }
  if (removed) debug(`swept ${removed} stale dir(s)`);
  return removed;
}

// Last resort when a test forgets to stop a server: the children get SIGKILL from the kernel anyway
// (pdeathsig), but only this removes their dirs. 'exit' handlers must be synchronous.
process.once('exit', () => {
  for (const dir of live) {
    try {
      destroyWorkdir(dir);
    } catch {
      // the next sweep removes it
    }
  }
});

// A vitest worker whose runner was SIGKILLed is orphaned, not killed: it would carry on with its test
// file, servers and all. Its IPC channel closes when the runner dies, so end it then; the servers
// follow through pdeathsig and the 'exit' handler above removes their dirs.
if (process.env.VITEST && process.channel) {
  process.once('disconnect', () => {
    debug('test runner gone (IPC channel closed): stopping this worker and its servers');
    process.exit(1);
  });
}

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The kernel's start time of a process (clock ticks since boot), or undefined when it is gone.
 * A PID alone can be reused by an unrelated process; PID plus start time cannot.
 */
export function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True when the process exists and is the one that had this start time. Zombies count as gone. */
export function isAlive(pid: number, start?: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return false;
    return start === undefined || fields[19] === start;
  } catch {
    return false;
  }
}

/**
 * PIDs of every process whose working directory is `dir` or below it. Servers run with their temp dir
 * as cwd, and so do their helpers (PostgreSQL backends, which outlive a SIGKILLed postmaster for a
 * moment), so this finds all of them without trusting a parent-child tree that reparenting breaks.
 */
export function processesIn(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if ((cwd === dir || cwd.startsWith(`${dir}/`)) && isAlive(pid)) found.push(pid);
    } catch {
      // gone, or not ours to inspect
    }
  }
  return found;
}

/** Sends a signal, ignoring "no such process". */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

import { spawn } from 'node:child_process';
import { setprivBinary } from '../binaries.js';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildOptions {
  command: string;
  args: readonly string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user (PostgreSQL refuses root). */
  user?: string;
  /** Characters of output kept; older output is dropped. */
  keepChars?: number;
}

/** A spawned process with its output collected and its exit observable. */
export interface Child {
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  /** Set once the process has exited. */
  readonly exit: ChildExit | undefined;
  output(): string;
  /** The last `n` lines of output, for error messages. */
  tail(n?: number): string;
  /** Called with each new chunk of output. Returns an unsubscribe function. */
  onOutput(listener: (chunk: string) => void): () => void;
}

/**
 * Spawns `command` wrapped in `setpriv --pdeathsig KILL`: the kernel SIGKILLs it when the spawning
 * process dies, even by SIGKILL, so no server outlives a crashed or interrupted test run. setpriv
 * execs the command, so the PID is the server's own. The death signal is set after setpriv changes
 * user (a credential change clears it), which is why one setpriv does both.
 */
export function spawnChild(options: ChildOptions): Child {
  const user = options.user ? [`--reuid=${options.user}`, `--regid=${options.user}`, '--init-groups'] : [];
  const child = spawn(setprivBinary(), [...user, '--pdeathsig', 'KILL', '--', options.command, ...options.args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = options.keepChars ?? 256 * 1024;
  let output = '';
  const listeners = new Set<(chunk: string) => void>();
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    if (output.length > keep) output = output.slice(output.length - keep);
    for (const listener of listeners) listener(text);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  let exit: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    // 'close', not 'exit': by then all output is read, so an error message shows the last log lines.
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.once('error', (error) => {
      output += `\n${error.message}\n`;
      exit = { code: -1, signal: null };
      resolve(exit);
    });
  });
  return {
    get pid() {
      return child.pid ?? -1;
    },
    exited,
    get exit() {
      return exit;
    },
    output: () => output,
    tail: (n = 20) => output.trimEnd().split('\n').slice(-n).join('\n'),
    onOutput(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function describeExit(exit: ChildExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

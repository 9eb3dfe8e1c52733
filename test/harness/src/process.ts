import { fileURLToPath } from 'node:url';
import { type ChildExit, describeExit, spawnChild } from './internal/child.js';
import { debug } from './internal/debug.js';
import { signal } from './internal/procfs.js';
import { sleep } from './internal/wait.js';
import { createWorkdir, destroyWorkdir, recordPid } from './internal/workdir.js';

/** The repository root, derived from this file (test/harness/src or test/harness/dist), never hard-coded. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

export interface ProcessOptions {
  /** Arguments after `node --import @swc-node/register/esm-register`: a .ts file and its arguments. */
  args: readonly string[];
  /** Added to the test process's environment. */
  env?: Record<string, string | undefined>;
  /** Resolve only once the output matches this. */
  ready?: RegExp;
  readyTimeoutMs?: number;
  /** Default: the repository root, so paths like 'packages/rpc/test/fixtures/x.ts' work. */
  cwd?: string;
  /** Extra flags for node itself, before --import (e.g. '--enable-source-maps'). */
  nodeArgs?: readonly string[];
}

export interface ProcessHandle {
  readonly pid: number;
  readonly startupMs: number;
  /** stdout and stderr, interleaved as they arrived. */
  output(): string;
  /** Resolves with the match once the output matches; rejects on timeout or if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends a signal (default SIGKILL, a crash) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<ChildExit>;
  /** SIGTERM, then SIGKILL if the process has not exited within `graceMs` (default 5000). */
  stop(graceMs?: number): Promise<ChildExit>;
  readonly exited: Promise<ChildExit>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Runs a TypeScript file in a real Node process (SWC register hook, decorators included), like a
 * deployed service; it dies with the test process (pdeathsig) even if the test never stops it.
 */
export async function startProcess(options: ProcessOptions): Promise<ProcessHandle> {
  const started = performance.now();
  // A dir only to record the PID for the sweep; the process itself runs in `cwd`.
  const dir = createWorkdir('process');
  const child = spawnChild({
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), '--import', '@swc-node/register/esm-register', ...options.args],
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    keepChars: 4 * 1024 * 1024,
  });
  recordPid(dir, child.pid);
  void child.exited.then(() => destroyWorkdir(dir));
  const name = options.args.find((arg) => !arg.startsWith('-')) ?? 'node';

  const waitFor = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = child.output().match(pattern);
        if (match) finish(() => resolve(match));
        return match;
      };
      const fail = (why: string) =>
        finish(() =>
          reject(new Error(`${name}: ${why} before output matched ${pattern}\n--- last output ---\n${child.tail(20)}`)),
        );
      const unsubscribe = child.onOutput(() => check());
      const timer = setTimeout(() => fail(`no match within ${timeoutMs} ms`), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        unsubscribe();
        settle();
      };
      if (check()) return;
      void child.exited.then((exit) => {
        if (!check()) fail(describeExit(exit));
      });
    });

  const kill = async (sig: NodeJS.Signals = 'SIGKILL') => {
    if (!child.exit) signal(child.pid, sig);
    return child.exited;
  };
  const stop = async (graceMs = 5000) => {
    if (child.exit) return child.exit;
    signal(child.pid, 'SIGCONT');
    signal(child.pid, 'SIGTERM');
    const exit = await Promise.race([child.exited, sleep(graceMs).then(() => undefined)]);
    return exit ?? kill('SIGKILL');
  };

  if (options.ready) {
    try {
      await waitFor(options.ready, options.readyTimeoutMs ?? 20_000);
    } catch (error) {
      await kill('SIGKILL');
      throw error;
    }
  }
  const startupMs = Math.round(performance.now() - started);
  debug(`process ${name} (pid ${child.pid}) started in ${startupMs} ms`);
  return {
    pid: child.pid,
    startupMs,
    output: () => child.output(),
    waitFor,
    kill,
    stop,
    exited: child.exited,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}

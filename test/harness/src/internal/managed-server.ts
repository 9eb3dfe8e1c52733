import type { ServerHandle } from '../server-handle.js';
import { type Child, type ChildOptions, describeExit, spawnChild } from './child.js';
import { debug } from './debug.js';
import { processesIn, signal } from './procfs.js';
import { sleep, waitUntil } from './wait.js';
import { destroyWorkdir, recordPid } from './workdir.js';

export interface ServerSpec {
  name: string;
  port: number;
  dir: string;
  /** The command line; called for every (re)start. */
  launch(): ChildOptions;
  /** Resolves once the server serves. Must give up when `signal` aborts (the process exited). */
  ready(child: Child, signal: AbortSignal): Promise<unknown>;
  stopSignal: NodeJS.Signals;
  readyTimeoutMs?: number;
}

/** The server exited while starting, and its log says the port was taken: the caller may retry elsewhere. */
export class PortClashError extends Error {
  override name = 'PortClashError';
}

const PORT_CLASH = /address already in use|EADDRINUSE|could not bind|bind: Address/i;
const STOP_BOUND_MS = 10_000;
const RESIGNAL_MS = 500;

/** Lifecycle shared by every server type: spawn, readiness, fault injection, clean-up. */
export class ManagedServer implements ServerHandle {
  readonly host = '127.0.0.1' as const;
  readonly name: string;
  readonly port: number;
  readonly dir: string;
  startupMs = 0;
  #child: Child | undefined;
  #destroyed = false;

  constructor(readonly spec: ServerSpec) {
    this.name = spec.name;
    this.port = spec.port;
    this.dir = spec.dir;
  }

  get pid(): number {
    return this.running ? (this.#child?.pid ?? -1) : -1;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exit === undefined;
  }

  logs(lines = 40): string {
    return this.#child?.tail(lines) ?? '';
  }

  async start(): Promise<void> {
    if (this.#destroyed) throw new Error(`${this.name} was stopped for good; start a new one`);
    if (this.running) return;
    const started = performance.now();
    const child = spawnChild(this.spec.launch());
    this.#child = child;
    if (child.pid > 0) recordPid(this.dir, child.pid);
    const abort = new AbortController();
    const exitedEarly = child.exited.then((exit) => {
      abort.abort(new Error(`${this.name} ${describeExit(exit)} while starting`));
    });
    // Some servers log a bind failure and linger (retrying) before they give up: do not wait for them.
    const stopWatching = child.onOutput((chunk) => {
      if (PORT_CLASH.test(chunk)) abort.abort(new Error(`${this.name} could not bind its ports`));
    });
    const timeoutMs = this.spec.readyTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} not ready within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.spec.ready(child, abort.signal), timedOut]);
    } catch (error) {
      if (child.exit) await exitedEarly;
      else await this.#terminate('SIGKILL');
      const log = child.tail(15);
      const message = `${this.name} on 127.0.0.1:${this.port} failed to start: ${(error as Error).message}\n--- last log lines ---\n${log}`;
      throw PORT_CLASH.test(log) ? new PortClashError(message) : new Error(message);
    } finally {
      clearTimeout(timer);
      stopWatching();
    }
    this.startupMs = Math.round(performance.now() - started);
    debug(`${this.name} ready on 127.0.0.1:${this.port} in ${this.startupMs} ms (pid ${child.pid})`);
  }

  async stop(): Promise<void> {
    await this.#terminate(this.spec.stopSignal);
  }

  async kill(): Promise<void> {
    // Everything at once, as when the machine dies: PostgreSQL backends left running for a moment
    // after their postmaster could still finish a transaction the test believes was cut off.
    if (this.running) for (const pid of this.#processes()) signal(pid, 'SIGKILL');
    await this.#terminate('SIGKILL');
  }

  async pause(): Promise<void> {
    // The whole server, not just its main process: a paused PostgreSQL postmaster alone would still
    // serve every open connection through its backends.
    if (this.running) for (const pid of this.#processes()) signal(pid, 'SIGSTOP');
  }

  async resume(): Promise<void> {
    if (this.running) for (const pid of this.#processes()) signal(pid, 'SIGCONT');
  }

  #processes(): number[] {
    return [...new Set([this.pid, ...processesIn(this.dir)])];
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the server and deletes its dir; the handle cannot be started again. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    await this.stop();
    destroyWorkdir(this.dir);
  }

  async #terminate(sig: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (child && !child.exit) {
      const deadline = Date.now() + STOP_BOUND_MS;
      let exit: unknown;
      do {
        signal(child.pid, sig);
        // A stopped process does not act on SIGTERM/SIGINT until it is continued.
        if (sig !== 'SIGKILL') signal(child.pid, 'SIGCONT');
        // Repeat the signal: a server may refuse one (Redis will not exit while it writes its first AOF
        // file, and says so once), and a repeated SIGTERM/SIGINT is harmless to the others.
        exit = await Promise.race([child.exited, sleep(RESIGNAL_MS).then(() => undefined)]);
      } while (!exit && Date.now() < deadline);
      if (!exit) {
        debug(`${this.name} ignored ${sig} for ${STOP_BOUND_MS} ms; sending SIGKILL`);
        signal(child.pid, 'SIGKILL');
        await child.exited;
      }
    }
    // Forked helpers (PostgreSQL backends) notice their parent's death a moment later; a restart on the
    // same data dir must not race them, and a test asserting "nothing left behind" must not see them.
    await waitUntil(async () => processesIn(this.dir).length === 0, {
      what: `${this.name}'s helper processes to exit`,
      timeoutMs: 5000,
      intervalMs: 20,
    }).catch(() => {
      for (const pid of processesIn(this.dir)) signal(pid, 'SIGKILL');
    });
  }
}

/** One running server process started by the harness. */
export interface ServerHandle {
  /** e.g. 'zookeeper-1', 'postgres-primary', 'redis-replica'. */
  readonly name: string;
  readonly host: '127.0.0.1';
  /** Client port; kept across restart(). */
  readonly port: number;
  /** PID of the current process (changes on restart()); -1 when not running. */
  readonly pid: number;
  /** How long the last start or restart took until the server was ready. */
  readonly startupMs: number;
  /** The server's temp dir (config, data); kept across restart(), removed by stop(). */
  readonly dir: string;
  readonly running: boolean;
  /** Last lines the server logged, for assertions and error messages. */
  logs(lines?: number): string;
  /** Graceful shutdown (PostgreSQL: SIGINT, Redis and ZooKeeper: SIGTERM); waits for exit. Keeps the data. */
  stop(): Promise<void>;
  /**
   * SIGKILL to the server and every helper it forked (PostgreSQL backends), as when the machine dies;
   * waits until all are gone. Keeps the data.
   */
  kill(): Promise<void>;
  /** SIGSTOP to the server and its helpers: it hangs (connections stay open, nothing answers) until resume(). */
  pause(): Promise<void>;
  /** SIGCONT. */
  resume(): Promise<void>;
  /** Stops the server if it runs, then starts it again on the same port with the same data; waits until ready. */
  restart(): Promise<void>;
  /** Stops the server for good and removes its temp dir (what the group's stop() does to each). */
  [Symbol.asyncDispose](): Promise<void>;
}

/** A set of servers started together (a ZooKeeper ensemble, a primary with its replica). */
export interface ServerGroup {
  readonly servers: readonly ServerHandle[];
  /** Stops every server and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

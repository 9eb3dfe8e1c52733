import { EventEmitter } from 'node:events';
import { createLogger, StagesError } from '@stages/common';
import { type ZkAcl, type ZkEvent, type ZkException, type ZkRawClient, type ZkStat, zk } from './client.js';

export interface ZkSessionOptions {
  /** `host:port[,host:port...]`, loopback in tests. */
  connectionString: string;
  /** `user:password` for the digest scheme; needed only to publish. */
  credential?: string;
  sessionTimeoutMs?: number;
  /** Delay between attempts to reach the next server of the ensemble. */
  spinDelayMs?: number;
  /**
   * Disconnected this long, the client is replaced by a fresh one. node-zookeeper-client can hang in CONNECTING
   * forever when a server accepts the socket but never answers the handshake (seen while a server starts under
   * load); a config reader loses nothing by starting a new session. Default 5000.
   */
  recycleAfterMs?: number;
}

export type WatchFn = (event: ZkEvent) => void;

const log = createLogger('config.zookeeper');

/**
 * A small promise wrapper over one node-zookeeper-client session. It is this package's own so config does not
 * depend on the registry's session lifecycle; any object with the same methods can be passed instead.
 *
 * Emits `connected` (first connect and every reconnect, so readers can catch up on changes they missed),
 * `disconnected`, and `expired` (after which it opens a fresh session by itself: watches are gone then, and
 * the `connected` that follows tells readers to set them again).
 */
export class ZkSession extends EventEmitter {
  #client: ZkRawClient;
  #closed = false;
  #connected = false;
  #disconnectedSince = Date.now();
  readonly #watchdog: NodeJS.Timeout;

  constructor(readonly options: ZkSessionOptions) {
    super();
    this.#client = this.#open();
    const recycleAfterMs = options.recycleAfterMs ?? 5000;
    this.#watchdog = setInterval(
      () => {
        if (this.#closed || this.#connected || Date.now() - this.#disconnectedSince < recycleAfterMs) return;
        log.warn({ zk: options.connectionString }, 'zookeeper not reachable for a while; starting a fresh client');
        this.#replace();
      },
      Math.max(250, Math.min(1000, recycleAfterMs / 2)),
    );
    // Never the reason a process stays alive.
    this.#watchdog.unref();
  }

  /** Drops the current client (and any socket it hangs on) and starts a new one. */
  #replace(): void {
    const old = this.#client;
    this.#disconnectedSince = Date.now();
    this.#client = this.#open();
    old.close();
    (old as unknown as { connectionManager?: { socket?: { destroy(): void } } }).connectionManager?.socket?.destroy();
  }

  get connected(): boolean {
    return this.#connected;
  }

  #open(): ZkRawClient {
    const client = zk().createClient(this.options.connectionString, {
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      spinDelay: this.options.spinDelayMs ?? 200,
      retries: 0,
    });
    if (this.options.credential) client.addAuthInfo('digest', Buffer.from(this.options.credential));
    client.on('connected', () => {
      if (client !== this.#client) return;
      this.#connected = true;
      this.emit('connected');
    });
    client.on('disconnected', () => {
      if (client !== this.#client || this.#closed) return;
      this.#connected = false;
      this.#disconnectedSince = Date.now();
      this.emit('disconnected');
    });
    client.on('expired', () => {
      if (client !== this.#client || this.#closed) return;
      this.#connected = false;
      log.warn('zookeeper session expired; opening a new one');
      this.#replace();
      this.emit('expired');
    });
    client.connect();
    return client;
  }

  /** Resolves once connected; rejects with UNAVAILABLE after timeoutMs (the session keeps trying). */
  waitConnected(timeoutMs: number): Promise<void> {
    if (this.#connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        reject(
          new StagesError(
            'UNAVAILABLE',
            `zookeeper ${this.options.connectionString} unreachable after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const onConnected = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connected', onConnected);
    });
  }

  getData(path: string, watch?: WatchFn): Promise<{ data: Buffer | undefined; stat: ZkStat }> {
    return new Promise((resolve, reject) =>
      this.#client.getData(path, watch, (e, data, stat) => (e ? reject(e) : resolve({ data, stat }))),
    );
  }

  exists(path: string, watch?: WatchFn): Promise<ZkStat | null> {
    return new Promise((resolve, reject) =>
      this.#client.exists(path, watch, (e, stat) => (e ? reject(e) : resolve(stat))),
    );
  }

  getChildren(path: string, watch?: WatchFn): Promise<string[]> {
    return new Promise((resolve, reject) =>
      this.#client.getChildren(path, watch, (e, children) => (e ? reject(e) : resolve(children))),
    );
  }

  create(path: string, data: Buffer | null, acls: ZkAcl[], mode = zk().CreateMode.PERSISTENT): Promise<string> {
    return new Promise((resolve, reject) =>
      this.#client.create(path, data, acls, mode, (e, created) => (e ? reject(e) : resolve(created))),
    );
  }

  setData(path: string, data: Buffer, version = -1): Promise<ZkStat> {
    return new Promise((resolve, reject) =>
      this.#client.setData(path, data, version, (e, stat) => (e ? reject(e) : resolve(stat))),
    );
  }

  remove(path: string, version = -1): Promise<void> {
    return new Promise((resolve, reject) => this.#client.remove(path, version, (e) => (e ? reject(e) : resolve())));
  }

  /** Runs ops as one ZooKeeper multi: all apply or none does. */
  multi(build: (tx: ReturnType<ZkRawClient['transaction']>) => void): Promise<void> {
    const tx = this.#client.transaction();
    build(tx);
    return new Promise((resolve, reject) => tx.commit((e) => (e ? reject(e) : resolve())));
  }

  /** Creates each missing ancestor and the node itself with the given ACL; existing nodes are left alone. */
  async mkdirp(path: string, acls: ZkAcl[]): Promise<void> {
    let current = '';
    for (const part of path.split('/').filter(Boolean)) {
      current += `/${part}`;
      // Look before creating: on a locked node ZooKeeper answers NO_AUTH before NODE_EXISTS.
      if (await this.exists(current)) continue;
      try {
        await this.create(current, null, acls);
      } catch (error) {
        if (!isZkError(error, 'NODE_EXISTS')) throw error;
      }
    }
  }

  close(): void {
    clearInterval(this.#watchdog);
    this.#closed = true;
    this.#connected = false;
    this.#client.close();
    this.removeAllListeners();
  }
}

export function isZkError(
  error: unknown,
  name: 'NO_NODE' | 'NO_AUTH' | 'BAD_VERSION' | 'NODE_EXISTS' | 'NOT_EMPTY' | 'CONNECTION_LOSS',
): boolean {
  return (
    typeof (error as ZkException | undefined)?.getCode === 'function' &&
    (error as ZkException).getCode() === zk().Exception[name]
  );
}

/** Turns a raw ZooKeeper failure into a coded error a caller can act on. */
export function toStagesError(error: unknown, action: string): StagesError {
  if (StagesError.is(error)) return error;
  if (isZkError(error, 'NO_AUTH'))
    return new StagesError('PERMISSION_DENIED', `${action}: not allowed (publishing needs the write credential)`, {
      cause: error,
    });
  if (isZkError(error, 'NO_NODE')) return new StagesError('NOT_FOUND', `${action}: not found`, { cause: error });
  if (isZkError(error, 'BAD_VERSION') || isZkError(error, 'NODE_EXISTS'))
    return new StagesError('ABORTED', `${action}: changed concurrently, try again`, { cause: error });
  if (isZkError(error, 'CONNECTION_LOSS'))
    return new StagesError('UNAVAILABLE', `${action}: zookeeper connection lost`, { cause: error });
  return new StagesError('INTERNAL', `${action} failed`, { cause: error });
}

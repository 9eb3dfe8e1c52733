import { EventEmitter } from 'node:events';
import { type Logger, StagesError } from '@stages/common';
import { instruments } from '../internal/telemetry.js';
import { abandonClient, type ZkAcl, type ZkEvent, type ZkRawClient, type ZkStat, zk } from '../internal/zk-client.js';
import type { ZooKeeperCredentials } from './options.js';

export interface ZkSessionOptions {
  hosts: string;
  sessionTimeoutMs: number;
  operationTimeoutMs: number;
  credentials: ZooKeeperCredentials | undefined;
  logger: Logger;
}

export type Watcher = (event: ZkEvent) => void;

/**
 * One logical ZooKeeper connection that outlives sessions. node-zookeeper-client reconnects on its own while a
 * session is alive, but after expiry its client is dead for good; this class then opens a new client and says so
 * with `connected(newSession = true)`, which is the registry's cue to re-create ephemeral nodes and re-watch.
 *
 * Events: `connected` (newSession: boolean), `disconnected`, `expired`.
 * Every operation is bounded by operationTimeoutMs, because the client queues requests forever while disconnected.
 */
export class ZkSession extends EventEmitter<{ connected: [boolean]; disconnected: []; expired: [] }> {
  #client: ZkRawClient | undefined;
  #sessionId = '';
  #connected = false;
  #everConnected = false;
  #closed = false;

  constructor(private readonly options: ZkSessionOptions) {
    super();
  }

  get connected(): boolean {
    return this.#connected;
  }

  get everConnected(): boolean {
    return this.#everConnected;
  }

  /** Hex id of the current session ('' before the first connection). */
  get sessionId(): string {
    return this.#sessionId;
  }

  start(): void {
    if (this.#client || this.#closed) return;
    this.#open();
  }

  /** Resolves true once connected, false if `timeoutMs` passes first. */
  whenConnected(timeoutMs: number): Promise<boolean> {
    if (this.#connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        resolve(false);
      }, timeoutMs);
      const onConnected = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.once('connected', onConnected);
    });
  }

  /** Ends the session (ZooKeeper deletes its ephemeral nodes at once); waits briefly for the server to confirm. */
  async close(waitMs = 1_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = this.#client;
    const wasConnected = this.#connected;
    this.#connected = false;
    this.#client = undefined;
    if (!client) return;
    // No removeAllListeners(): the client's own 'state' listener turns states into the events awaited below.
    // Our handlers ignore a client that is no longer current.
    if (!wasConnected) {
      abandonClient(client);
      return;
    }
    // The server closes the socket once it has processed closeSession; the client reports that as `disconnected`.
    const confirmed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      client.on('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    client.close();
    await confirmed;
  }

  create(path: string, data: Buffer | null, acls: ZkAcl[], mode: number): Promise<string> {
    return this.#call('create', path, (c, cb) => c.create(path, data, acls, mode, cb));
  }

  getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return this.#call('getChildren', path, (c, cb) => c.getChildren(path, watcher, cb));
  }

  getData(path: string, watcher?: Watcher): Promise<{ data: Buffer | undefined; stat: ZkStat }> {
    return this.#call('getData', path, (c, cb) => c.getData(path, watcher, (e, data, stat) => cb(e, { data, stat })));
  }

  setData(path: string, data: Buffer): Promise<ZkStat> {
    return this.#call('setData', path, (c, cb) => c.setData(path, data, -1, cb));
  }

  exists(path: string, watcher?: Watcher): Promise<ZkStat | null> {
    return this.#call('exists', path, (c, cb) => c.exists(path, watcher, cb));
  }

  remove(path: string): Promise<void> {
    return this.#call('remove', path, (c, cb) => c.remove(path, -1, (e) => cb(e, undefined)));
  }

  #open(): void {
    const client = zk().createClient(this.options.hosts, {
      sessionTimeout: this.options.sessionTimeoutMs,
      // Between full rounds over the host list; the default 1 s adds up when a whole ensemble restarts.
      spinDelay: Math.min(250, this.options.sessionTimeoutMs),
      retries: 0,
    });
    const { credentials } = this.options;
    // Registered before connect(): the client replays it on every (re)connection of this session.
    if (credentials) client.addAuthInfo('digest', Buffer.from(`${credentials.username}:${credentials.password}`));
    client.on('connected', () => {
      if (client !== this.#client) return;
      const id = client.getSessionId().toString('hex');
      const newSession = id !== this.#sessionId;
      this.#sessionId = id;
      this.#connected = true;
      this.#everConnected = true;
      if (newSession) instruments().sessions.add(1);
      this.emit('connected', newSession);
    });
    client.on('disconnected', () => {
      if (client !== this.#client || !this.#connected) return;
      this.#connected = false;
      this.emit('disconnected');
    });
    client.on('expired', () => {
      if (client !== this.#client) return;
      this.options.logger.warn({ session: this.#sessionId }, 'ZooKeeper session expired; opening a new one');
      this.#connected = false;
      abandonClient(client);
      this.emit('expired');
      if (!this.#closed) this.#open();
    });
    client.on('authenticationFailed', () => {
      if (client !== this.#client) return;
      this.options.logger.error('ZooKeeper rejected the registry credentials');
    });
    this.#client = client;
    client.connect();
  }

  #call<T>(op: string, path: string, start: (client: ZkRawClient, cb: (e: Error | null, value: T) => void) => void) {
    return new Promise<T>((resolve, reject) => {
      const client = this.#client;
      if (!client || this.#closed) {
        reject(new StagesError('REGISTRY_UNAVAILABLE', 'zookeeper registry is closed', { retryable: false }));
        return;
      }
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(
          new StagesError('REGISTRY_UNAVAILABLE', `ZooKeeper ${op} timed out`, {
            details: { op, path, timeoutMs: this.options.operationTimeoutMs },
          }),
        );
      }, this.options.operationTimeoutMs);
      start(client, (error, value) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(value);
      });
    });
  }
}

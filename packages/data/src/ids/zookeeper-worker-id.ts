import { createLogger, StagesError } from '@stages/common';
import { loadModule } from '../internal/load-module.js';
import type { WorkerIdSource } from './worker-id.js';

export interface ZooKeeperWorkerIdOptions {
  /** `127.0.0.1:2181,127.0.0.1:2182`. */
  connectionString: string;
  /** Parent of the worker nodes. Default `/stages/ids/workers`. */
  path?: string;
  sessionTimeoutMs?: number;
  /** Give up connecting after this long. Default 10 000 ms. */
  connectTimeoutMs?: number;
}

// The slice of node-zookeeper-client used here (it ships no types).
interface ZkClient {
  connect(): void;
  close(): void;
  once(event: 'connected', fn: () => void): void;
  on(event: 'state', fn: (state: { name: string }) => void): void;
  mkdirp(path: string, cb: (error: Error | null) => void): void;
  create(path: string, data: Buffer | null, mode: number, cb: (error: Error | null, path: string) => void): void;
  getChildren(path: string, cb: (error: Error | null, children: string[]) => void): void;
  remove(path: string, version: number, cb: (error: Error | null) => void): void;
  getSessionTimeout(): number;
}
interface ZkModule {
  createClient(
    connectionString: string,
    options: { sessionTimeout: number; spinDelay: number; retries: number },
  ): ZkClient;
  CreateMode: { EPHEMERAL_SEQUENTIAL: number };
}

const MAX_WORKERS = 1024;
const log = createLogger('data.ids');

/**
 * Worker ids from ZooKeeper: each process creates an EPHEMERAL_SEQUENTIAL node and takes its sequence number
 * mod 1024. If a live sibling already has that id (sequence numbers 1024 apart), the newer node yields and tries
 * again, so two live processes never share an id. The node dies with the session: when the session expires
 * the id is reported lost (the generator stops) and a new one is acquired on a fresh session.
 */
export class ZooKeeperWorkerId implements WorkerIdSource {
  readonly #options: ZooKeeperWorkerIdOptions;
  readonly #path: string;
  readonly #listeners: ((id: number | undefined) => void)[] = [];
  #client: ZkClient | undefined;
  #node: string | undefined;
  #closed = false;
  #watchdog: NodeJS.Timeout | undefined;

  constructor(options: ZooKeeperWorkerIdOptions) {
    this.#options = options;
    this.#path = options.path ?? '/stages/ids/workers';
  }

  onChange(listener: (workerId: number | undefined) => void): void {
    this.#listeners.push(listener);
  }

  /** The ZooKeeper node holding the id, e.g. `/stages/ids/workers/worker-0000000007`. */
  get node(): string | undefined {
    return this.#node;
  }

  async acquire(): Promise<number> {
    const zk = await loadModule<ZkModule>('node-zookeeper-client', 'ZooKeeper worker ids');
    const client = await this.#connect(zk);
    await call<void>((cb) => client.mkdirp(this.#path, cb));
    for (;;) {
      const node = await call<string>((cb) =>
        client.create(`${this.#path}/worker-`, null, zk.CreateMode.EPHEMERAL_SEQUENTIAL, cb),
      );
      const seq = sequenceOf(node.slice(node.lastIndexOf('/') + 1));
      const id = seq % MAX_WORKERS;
      const siblings = await call<string[]>((cb) => client.getChildren(this.#path, cb));
      const clash = siblings
        .map(sequenceOf)
        .some((other) => other !== seq && other % MAX_WORKERS === id && other < seq);
      if (!clash) {
        this.#node = node;
        return id;
      }
      // An older live node holds this id: give ours back and draw the next sequence number.
      await call<void>((cb) => client.remove(node, -1, cb));
      if (siblings.length >= MAX_WORKERS)
        throw new StagesError('RESOURCE_EXHAUSTED', `all ${MAX_WORKERS} worker ids are taken`);
    }
  }

  async release(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#watchdog);
    // Closing the session deletes the ephemeral node at once (no session-timeout wait).
    this.#client?.close();
    this.#client = undefined;
    this.#node = undefined;
  }

  #connect(zk: ZkModule): Promise<ZkClient> {
    const client = zk.createClient(this.#options.connectionString, {
      sessionTimeout: this.#options.sessionTimeoutMs ?? 10_000,
      spinDelay: 200,
      retries: 3,
    });
    this.#client = client;
    client.on('state', (state) => this.#onState(client, state.name));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        client.close();
        reject(
          new StagesError(
            'REGISTRY_UNAVAILABLE',
            `cannot reach ZooKeeper at ${this.#options.connectionString} for a worker id`,
          ),
        );
      }, this.#options.connectTimeoutMs ?? 10_000);
      client.once('connected', () => {
        clearTimeout(timer);
        resolve(client);
      });
      client.connect();
    });
  }

  #onState(client: ZkClient, state: string): void {
    if (this.#closed || client !== this.#client) return;
    if (state === 'DISCONNECTED') {
      // The node may expire while we cannot see it: stop minting until we know.
      this.#emit(undefined);
      // node-zookeeper-client can stall for ever on a handshake the server never answers (seen when a server
      // restarts). After a session timeout without a connection the session is gone anyway: start over.
      clearTimeout(this.#watchdog);
      this.#watchdog = setTimeout(
        () => this.#renew(client, 'no connection for a session timeout'),
        client.getSessionTimeout() || (this.#options.sessionTimeoutMs ?? 10_000),
      );
      this.#watchdog.unref();
    } else if (state === 'SYNC_CONNECTED' && this.#node) {
      clearTimeout(this.#watchdog);
      const seq = sequenceOf(this.#node.slice(this.#node.lastIndexOf('/') + 1));
      this.#emit(seq % MAX_WORKERS);
    } else if (state === 'EXPIRED') {
      this.#renew(client, 'ZooKeeper session expired');
    }
  }

  /** Drops the session (and with it the id) and acquires a new id on a fresh one. */
  #renew(client: ZkClient, reason: string): void {
    if (this.#closed || client !== this.#client) return;
    clearTimeout(this.#watchdog);
    this.#emit(undefined);
    this.#node = undefined;
    this.#client = undefined;
    client.close();
    log.warn({ reason }, 'acquiring a new worker id');
    this.#reacquire();
  }

  #reacquire(): void {
    if (this.#closed) return;
    this.acquire().then(
      (id) => this.#emit(id),
      (error) => {
        log.error({ err: error }, 'could not re-acquire a worker id; retrying in 1 s');
        this.#client?.close();
        this.#client = undefined;
        setTimeout(() => this.#reacquire(), 1000).unref();
      },
    );
  }

  #emit(id: number | undefined): void {
    for (const listener of this.#listeners) listener(id);
  }
}

function sequenceOf(name: string): number {
  return Number(name.slice(-10));
}

function call<T>(fn: (cb: (error: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((error, value) => {
      if (error) reject(new StagesError('REGISTRY_UNAVAILABLE', `ZooKeeper: ${error.message}`, { cause: error }));
      else resolve(value);
    });
  });
}

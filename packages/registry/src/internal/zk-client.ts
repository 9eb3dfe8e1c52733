import { createRequire } from 'node:module';

/**
 * The slice of node-zookeeper-client this package uses, typed by hand: the library ships no types, and an ambient
 * `declare module` would collide with one another package (config) may declare. Loaded on first use, so an app on
 * the in-memory or static registry never loads it.
 */
export interface ZkStat {
  /** 8-byte big-endian longs, as the wire carries them. */
  mtime: Buffer;
  ephemeralOwner: Buffer;
  version: number;
}
export interface ZkEvent {
  getType(): number;
  getName(): string;
  getPath(): string;
}
export interface ZkException extends Error {
  getCode(): number;
  getName(): string;
}
export interface ZkAcl {
  permission: number;
}
export interface ZkRawClient {
  connect(): void;
  close(): void;
  on(event: 'connected' | 'disconnected' | 'expired' | 'authenticationFailed', fn: () => void): void;
  getSessionId(): Buffer;
  addAuthInfo(scheme: string, auth: Buffer): void;
  create(
    path: string,
    data: Buffer | null,
    acls: ZkAcl[],
    mode: number,
    cb: (e: ZkException | null, path: string) => void,
  ): void;
  getData(
    path: string,
    watcher: ((e: ZkEvent) => void) | undefined,
    cb: (e: ZkException | null, data: Buffer | undefined, stat: ZkStat) => void,
  ): void;
  setData(path: string, data: Buffer, version: number, cb: (e: ZkException | null, stat: ZkStat) => void): void;
  exists(
    path: string,
    watcher: ((e: ZkEvent) => void) | undefined,
    cb: (e: ZkException | null, stat: ZkStat | null) => void,
  ): void;
  getChildren(
    path: string,
    watcher: ((e: ZkEvent) => void) | undefined,
    cb: (e: ZkException | null, children: string[], stat: ZkStat) => void,
  ): void;
  remove(path: string, version: number, cb: (e: ZkException | null) => void): void;
}
export interface ZkModule {
  createClient(
    connectionString: string,
    options?: { sessionTimeout?: number; spinDelay?: number; retries?: number },
  ): ZkRawClient;
  ACL: (new (permission: number, id: unknown) => ZkAcl) & { OPEN_ACL_UNSAFE: ZkAcl[] };
  Id: new (scheme: string, id: string) => unknown;
  Permission: { READ: number; WRITE: number; CREATE: number; DELETE: number; ADMIN: number; ALL: number };
  CreateMode: { PERSISTENT: number; EPHEMERAL: number };
  Exception: {
    NO_NODE: number;
    NO_AUTH: number;
    NODE_EXISTS: number;
    NOT_EMPTY: number;
    CONNECTION_LOSS: number;
    SESSION_EXPIRED: number;
  };
}

const require = createRequire(import.meta.url);
let loaded: ZkModule | undefined;

export function zk(): ZkModule {
  loaded ??= require('node-zookeeper-client') as ZkModule;
  return loaded;
}

/** The ZooKeeper error code of a failed operation, or undefined for anything else (our own timeouts). */
export function zkCode(error: unknown): number | undefined {
  const e = error as Partial<ZkException> | undefined;
  return typeof e?.getCode === 'function' ? e.getCode() : undefined;
}

export function longToNumber(value: Buffer | undefined): number {
  return value && value.length === 8 ? Number(value.readBigInt64BE(0)) : 0;
}

interface ConnectionManagerInternals {
  socket?: { destroy(): void };
  setState(state: number): void;
  onSocketData: (...args: unknown[]) => void;
  onSocketConnected: (...args: unknown[]) => void;
}

const CLOSING = -1;

/**
 * Stops a client that is not connected (still connecting, or looping through dead servers). The library's own
 * close() cannot do this: it writes to a socket that may not exist yet (TypeError), and a connect answer that
 * arrives after close() is parsed as a reply and throws "Unknown code" from a socket callback, which kills the
 * process. Relies on the internals of node-zookeeper-client 1.1.x (pinned): a socket created later gets the
 * patched handlers, because the library binds them at creation time, and CLOSING stops the reconnect loop.
 */
export function abandonClient(client: ZkRawClient): void {
  const manager = (client as unknown as { connectionManager?: ConnectionManagerInternals }).connectionManager;
  if (!manager) return;
  manager.setState(CLOSING);
  manager.onSocketData = () => {};
  manager.onSocketConnected = function (this: ConnectionManagerInternals) {
    this.socket?.destroy();
  };
  manager.socket?.destroy();
}

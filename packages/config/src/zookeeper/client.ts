import { createRequire } from 'node:module';

/**
 * The slice of node-zookeeper-client this package uses, typed by hand: the library ships no types, and an
 * ambient `declare module` here would collide with one another package may declare.
 */
export interface ZkStat {
  version: number;
  cversion: number;
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
export interface ZkTransaction {
  create(path: string, data?: Buffer, acls?: ZkAcl[], mode?: number): ZkTransaction;
  setData(path: string, data: Buffer, version?: number): ZkTransaction;
  check(path: string, version?: number): ZkTransaction;
  remove(path: string, version?: number): ZkTransaction;
  commit(callback: (error: ZkException | null, results: unknown[]) => void): void;
}
export interface ZkRawClient {
  connect(): void;
  close(): void;
  on(event: 'connected' | 'disconnected' | 'expired' | 'authenticationFailed', fn: () => void): void;
  once(event: 'connected', fn: () => void): void;
  getState(): { name: string };
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
  transaction(): ZkTransaction;
}
export interface ZkModule {
  createClient(
    connectionString: string,
    options?: { sessionTimeout?: number; spinDelay?: number; retries?: number },
  ): ZkRawClient;
  ACL: new (permission: number, id: unknown) => ZkAcl;
  Id: new (scheme: string, id: string) => unknown;
  Permission: { READ: number; WRITE: number; CREATE: number; DELETE: number; ADMIN: number; ALL: number };
  CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number };
  Exception: {
    NO_NODE: number;
    NO_AUTH: number;
    BAD_VERSION: number;
    NODE_EXISTS: number;
    CONNECTION_LOSS: number;
    NOT_EMPTY: number;
  };
  Event: { NODE_CREATED: number; NODE_DELETED: number; NODE_DATA_CHANGED: number; NODE_CHILDREN_CHANGED: number };
}

const require = createRequire(import.meta.url);
let loaded: ZkModule | undefined;

/** Loaded on first use, so an app that never talks to ZooKeeper does not pay for the library. */
export function zk(): ZkModule {
  loaded ??= require('node-zookeeper-client') as ZkModule;
  return loaded;
}

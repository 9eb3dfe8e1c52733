import type { InProcessServer } from './in-process-transport.js';

// Symbol.for on globalThis, not a module variable: two copies of @stages/rpc in one process (a bundled plugin,
// a duplicated install) must still find each other's servers, as two processes find each other on the network.
const kServers = Symbol.for('stages.rpc.inproc.servers');

type Servers = Map<string, InProcessServer>;

export function inProcessServers(): Servers {
  const g = globalThis as { [kServers]?: Servers };
  g[kServers] ??= new Map();
  return g[kServers];
}

export function inProcessAddress(host: string, port: number): string {
  return `${host}:${port}`;
}

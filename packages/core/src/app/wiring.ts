import { hostname } from 'node:os';
import { StagesError } from '@stages/common';
import type { ProviderInstance, Registry } from '@stages/registry';
import { type ClientTransport, InProcessTransport, type ServerTransport } from '@stages/rpc';
import type { StagesConfig } from '../config/schema.js';
import { registryClass, registryExport, rpcExport } from './leaves.js';
import type { StagesOptions } from './options.js';

export interface Wiring {
  readonly mode: 'monolith' | 'distributed';
  readonly registry: Registry;
  /** The app created the registry, so it closes it. A registry passed in belongs to the caller. */
  readonly ownsRegistry: boolean;
  readonly server: ServerTransport;
  readonly clientTransports: Map<string, ClientTransport>;
}

/**
 * Chooses registry and transports. Nothing configured is monolith mode: a registry private to this app and
 * in-process calls, through the same server pipeline and client code as gRPC calls.
 */
export function wire(config: StagesConfig, options: StagesOptions): Wiring {
  const server = options.transport ?? createServer(config);
  const { registry, owns } = options.registry
    ? { registry: options.registry, owns: false }
    : { registry: createRegistry(config), owns: true };
  const clientTransports = new Map<string, ClientTransport>();
  // One in-process transport is both ends; when the server is one, calls to local services use it.
  const inproc = server instanceof InProcessTransport ? server : new InProcessTransport();
  clientTransports.set(inproc.protocol, inproc);
  if (config.server !== undefined || config.registry !== undefined || options.registry !== undefined) {
    for (const transport of networkClients()) clientTransports.set(transport.protocol, transport);
  }
  for (const transport of options.clientTransports ?? []) clientTransports.set(transport.protocol, transport);
  const monolith =
    options.transport === undefined &&
    config.server === undefined &&
    config.registry === undefined &&
    !options.registry;
  return { mode: monolith ? 'monolith' : 'distributed', registry, ownsRegistry: owns, server, clientTransports };
}

function createServer(config: StagesConfig): ServerTransport {
  if (config.server === undefined) return new InProcessTransport();
  const { protocol, host, port, options } = config.server;
  if (protocol !== 'grpc') {
    throw new StagesError('UNKNOWN_PLUGIN', `server.protocol "${protocol}" is not known; known: grpc`);
  }
  const GrpcServer = rpcExport<new (o: Record<string, unknown>) => ServerTransport>('GrpcServerTransport');
  if (GrpcServer === undefined) throw new StagesError('UNKNOWN_PLUGIN', '@stages/rpc has no GrpcServerTransport');
  return new GrpcServer({ host, port, ...(options ?? {}) });
}

function networkClients(): ClientTransport[] {
  const GrpcClient = rpcExport<new (o: Record<string, unknown>) => ClientTransport>('GrpcClientTransport');
  if (GrpcClient === undefined) return [];
  const clients = [new GrpcClient({})];
  // IDL-mode providers (descriptors with a .proto) register as `grpc-idl`; callable when rpc offers the client.
  const IdlClient = rpcExport<new (o: Record<string, unknown>) => ClientTransport>('GrpcIdlClientTransport');
  if (IdlClient !== undefined) clients.push(new IdlClient({}));
  return clients;
}

function createRegistry(config: StagesConfig): Registry {
  const spec = config.registry;
  if (spec === undefined) {
    // Private store: two apps in one process (tests) do not see each other's providers unless they share one.
    const Store = registryExport<new () => object>('InMemoryStore');
    const Memory = registryClass('InMemoryRegistry');
    return new Memory(Store ? { store: new Store() } : {});
  }
  const resolver = registryExport<{ resolve(spec: unknown): Registry }>('registries');
  if (resolver && typeof resolver.resolve === 'function') return resolver.resolve(spec);
  const { type, options } =
    typeof spec === 'string' ? { type: spec, options: {} } : { type: spec.type, options: spec.options ?? {} };
  const byName: Record<string, string> = {
    memory: 'InMemoryRegistry',
    zookeeper: 'ZooKeeperRegistry',
    static: 'StaticRegistry',
  };
  const className = byName[type];
  if (className === undefined) {
    throw new StagesError('UNKNOWN_PLUGIN', `unknown registry "${type}"; known: ${Object.keys(byName).join(', ')}`);
  }
  return new (registryClass(className))(options);
}

/** The registry entry for one local service served at `address`. */
export function providerInstance(
  service: { name: string; version: string; group: string; methods: readonly { name: string }[] },
  protocol: string,
  address: { host: string; port: number },
  config: StagesConfig,
  startTime: number,
): ProviderInstance {
  const host = config.server?.advertiseHost ?? address.host;
  return {
    // Per service: one process serves several, and a registry keys what it registered by id.
    id: `${host}:${address.port}:${process.pid}:${service.name}`,
    service: service.name,
    host,
    port: address.port,
    protocol,
    version: service.version,
    group: service.group,
    ...(config.app.zone === undefined ? {} : { zone: config.app.zone }),
    weight: 100,
    tags: config.app.tags,
    methods: service.methods.map((m) => m.name),
    startTime,
    metadata: { app: config.app.name, hostname: hostname(), pid: String(process.pid) },
  };
}

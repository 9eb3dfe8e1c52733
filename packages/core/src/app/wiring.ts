import { hostname } from 'node:os';
import { type PluginSpec, StagesError } from '@stages/common';
import { InMemoryRegistry, InMemoryStore, type ProviderInstance, type Registry, registries } from '@stages/registry';
import {
  type ClientTransport,
  GrpcClientTransport,
  GrpcIdlClientTransport,
  GrpcServerTransport,
  type GrpcServerTransportOptions,
  InProcessTransport,
  type ServerTransport,
} from '@stages/rpc';
import type { StagesConfig } from '../config/schema.js';
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
  // `options` passes tls, maxMessageBytes, keepalive... through to the transport, which validates them.
  return new GrpcServerTransport({ ...(options as GrpcServerTransportOptions | undefined), host, port });
}

function networkClients(): ClientTransport[] {
  // IDL-mode providers (descriptors with a .proto) register as `grpc-idl`.
  return [new GrpcClientTransport(), new GrpcIdlClientTransport()];
}

function createRegistry(config: StagesConfig): Registry {
  // Private store: two apps in one process (tests) do not see each other's providers unless they share one.
  if (config.registry === undefined) return new InMemoryRegistry({ store: new InMemoryStore() });
  return registries.resolve(config.registry as PluginSpec<Registry>);
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

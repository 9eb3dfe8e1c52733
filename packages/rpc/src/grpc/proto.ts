import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { StagesError } from '@stages/common';

/**
 * proto-loader options shared by server and client, so both sides turn messages into the same plain objects:
 * field names as written in the .proto, 64-bit integers and enums as strings (no precision lost in JSON),
 * defaults filled in.
 */
export const PROTO_LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

const packages = new Map<string, PackageDefinition>();

/** Loads (once per file) the service definition named `service` (fully qualified, e.g. `shop.Orders`). */
export function loadProtoService(proto: { readonly file: string; readonly service: string }): ServiceDefinition {
  let definition = packages.get(proto.file);
  if (definition === undefined) {
    try {
      definition = loadSync(proto.file, PROTO_LOADER_OPTIONS);
    } catch (error) {
      throw new StagesError('CONFIG_INVALID', `cannot load ${proto.file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    packages.set(proto.file, definition);
  }
  const service = definition[proto.service];
  if (service === undefined || 'format' in service) {
    throw new StagesError('CONFIG_INVALID', `${proto.file} defines no service ${proto.service}`);
  }
  return service as ServiceDefinition;
}

/**
 * Pairs a .proto method with a Stages method name. Protos say `PlaceOrder`, TypeScript says `placeOrder`: both match.
 */
export function stagesMethodName(
  protoName: string,
  method: MethodDefinition<unknown, unknown>,
  methods: readonly string[],
): string {
  const candidates = [protoName, method.originalName ?? '', protoName.charAt(0).toLowerCase() + protoName.slice(1)];
  return candidates.find((name) => methods.includes(name)) ?? protoName;
}

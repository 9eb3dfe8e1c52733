import {
  Metadata,
  type Server,
  type ServerUnaryCall,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { createLogger, type ServiceDescriptor, StagesError } from '@stages/common';
import { CallCancellation } from '../server/cancellation.js';
import type { MuxServerContext } from './mux-server.js';
import { loadProtoService, stagesMethodName } from './proto.js';
import { toGrpcError } from './status.js';

const log = createLogger('rpc.grpc.idl');

/**
 * Serves a descriptor that names a .proto service as ordinary unary gRPC methods, so any gRPC client in any
 * language can call it. The call still runs through the shared pipeline; a StagesError becomes its gRPC status
 * plus the `stages-error-code` trailer.
 */
export function addIdlService(server: Server, descriptor: ServiceDescriptor, ctx: MuxServerContext): void {
  if (descriptor.proto === undefined) return;
  const definition = loadProtoService(descriptor.proto);
  const names = descriptor.methods.map((m) => m.name);
  const implementation: UntypedServiceImplementation = {};
  for (const [protoName, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream) {
      log.warn(
        { service: descriptor.proto.service, method: protoName },
        'streaming methods are not served in IDL mode',
      );
      continue;
    }
    const stagesName = stagesMethodName(protoName, method, names);
    implementation[protoName] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      if (ctx.draining()) {
        callback(toGrpcError(new StagesError('UNAVAILABLE', 'server is shutting down')));
        return;
      }
      const cancellation = new CallCancellation();
      let finished = false;
      // grpc-js also reports 'cancelled' after a call completed normally: only an unfinished call is cancelled.
      call.on('cancelled', () => {
        if (!finished) cancellation.cancel();
      });
      ctx.inFlight.enter();
      const incoming = {
        service: descriptor.name,
        method: stagesName,
        payload: call.request,
        metadata: stringMetadata(call.metadata),
        deadline: toEpochMs(call.getDeadline()),
      };
      ctx.pipeline.handle(incoming, cancellation).then(
        (result) => {
          finished = true;
          ctx.inFlight.leave();
          callback(null, result ?? {});
        },
        (error: unknown) => {
          finished = true;
          ctx.inFlight.leave();
          callback(toGrpcError(StagesError.from(error)));
        },
      );
    };
  }
  server.addService(definition, implementation);
}

/** gRPC metadata as the string map the pipeline takes; binary (-bin) entries are left out. */
export function stringMetadata(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) if (typeof value === 'string') out[key] = value;
  return out;
}

function toEpochMs(deadline: Date | number): number | undefined {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : undefined;
}

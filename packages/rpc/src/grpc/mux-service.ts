import type { ServiceDefinition } from '@grpc/grpc-js';

/**
 * The generic gRPC service Stages processes speak to each other, declared in code rather than a .proto: messages are
 * opaque bytes (JSON frame arrays, see framing.ts), so no schema is needed and any descriptor can be served.
 */
export const MUX_STREAM_PATH = '/stages.Mux/Stream';
/** Unary fallback: one request frame in, one result or error frame out. Served too, for peers without streams. */
export const MUX_CALL_PATH = '/stages.Mux/Call';

export const identity = (value: Buffer): Buffer => value;

export const muxServiceDefinition = {
  Stream: {
    path: MUX_STREAM_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'stream',
  },
  Call: {
    path: MUX_CALL_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'call',
  },
} satisfies ServiceDefinition;

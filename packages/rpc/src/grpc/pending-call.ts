import type { ClientUnaryCall } from '@grpc/grpc-js';
import type { OutgoingCall } from '../transport/transport.js';
import type { MuxStream } from './mux-stream.js';

/** A call the client is waiting on: where it went, and how to give up on it. */
export class PendingCall {
  id = 0;
  stream: MuxStream | undefined;
  unary: ClientUnaryCall | undefined;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
  done = false;

  constructor(
    readonly call: OutgoingCall,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

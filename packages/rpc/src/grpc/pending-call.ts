import type { ClientUnaryCall } from '@grpc/grpc-js';
import type { OutgoingCall } from '../transport/transport.js';
import type { LateFrame } from './frame-batcher.js';
import type { MuxStream } from './mux-stream.js';

/**
 * A call the client is waiting on: where it went, and how to give up on it. On a stream it is also its own
 * request frame, rendered when the frame is written so its timeout is the time left then, not at queueing.
 */
export class PendingCall implements LateFrame {
  id = 0;
  stream: MuxStream | undefined;
  unary: ClientUnaryCall | undefined;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
  done = false;
  /** The request frame left this process (so giving up needs a cancel frame). */
  sent = false;
  /** The request frame around its timeout (see requestHead/requestTail). */
  head = '';
  tail = '';

  constructor(
    readonly call: OutgoingCall,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  render(): string | undefined {
    if (this.done) return undefined;
    const { deadline } = this.call;
    let timeoutMs = 0;
    if (Number.isFinite(deadline)) {
      // Rounded down: the callee's deadline may come a little early, never later than the caller's.
      timeoutMs = Math.floor(deadline - Date.now());
      if (timeoutMs < 1) {
        // Expired while queued (waiting for the connection): fail here, the provider never hears of it.
        this.stream?.expire(this);
        return undefined;
      }
    }
    this.sent = true;
    return `${this.head}${timeoutMs}${this.tail}`;
  }
}

import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { createLogger, StagesError } from '@stages/common';
import { CallCancellation } from '../server/cancellation.js';
import type { InFlightTracker } from '../server/in-flight.js';
import type { IncomingCall, ServerPipeline } from '../server/pipeline.js';
import { CallTable } from './call-table.js';
import { FrameBatcher, frameBytes } from './frame-batcher.js';
import {
  CANCEL,
  decodeMessage,
  encodeError,
  encodeResult,
  frameId,
  REQUEST,
  type RequestFrame,
  requestProblem,
} from './framing.js';
import type { MuxServerCall } from './mux-server-call.js';

const log = createLogger('rpc.grpc.server');
const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});

/** What the mux handlers need from the server transport that owns them. */
export interface MuxServerContext {
  readonly pipeline: ServerPipeline;
  readonly inFlight: InFlightTracker;
  readonly maxMessageBytes: number;
  readonly framesPerMessage: number;
  /** True once shutdown began: new calls are refused with UNAVAILABLE so callers fail over. */
  draining(): boolean;
}

/**
 * Serves one `stages.Mux/Stream`: many calls from one client, answered out of order as they finish, with the
 * answers of one event-loop turn coalesced into one message. A bad frame is answered with an error for its call id
 * only; a message that is not a frame array at all ends this stream (its sender is broken), never the server.
 */
export class MuxServerStream {
  readonly #active = new CallTable<CallCancellation>();
  readonly #batcher: FrameBatcher;
  #closed = false;
  /** Frames in the last message received: the size answer batches are cut at. */
  #requestFrames = 1;

  constructor(
    private readonly stream: MuxServerCall,
    private readonly ctx: MuxServerContext,
  ) {
    this.#batcher = new FrameBatcher(
      (message) => {
        if (!this.#closed) stream.write(message);
      },
      ctx.maxMessageBytes,
      ctx.framesPerMessage,
      undefined,
      // Answers leave in batches the size the requests came in: the client sizes those to keep several batches
      // in flight, and one big answer batch would undo that.
      () => this.#requestFrames,
    );
    stream.listen({
      message: (message) => this.#onMessage(message),
      // The client half-closed (its channel is being released): answer what is running, then end.
      halfClosed: () => this.#endWhenIdle(),
      gone: () => this.#abandon(),
    });
  }

  /** Flushes what is queued and ends the stream with OK (shutdown, after drain). */
  end(): void {
    if (this.#closed) return;
    this.#batcher.flush();
    this.#closed = true;
    this.stream.end();
  }

  #endWhenIdle(): void {
    if (this.#active.size === 0) this.end();
  }

  #abandon(): void {
    this.#closed = true;
    this.#batcher.clear();
    for (const cancellation of this.#active.values()) cancellation.cancel();
    this.#active.clear();
  }

  #onMessage(message: Buffer): void {
    let frames: unknown[];
    try {
      frames = decodeMessage(message);
    } catch (error) {
      log.warn({ peer: this.stream.peer, err: error }, 'malformed message on a mux stream; ending that stream');
      this.#abandon();
      this.stream.fail(status.INVALID_ARGUMENT, 'malformed mux message: not a frame array');
      return;
    }
    this.#requestFrames = frames.length;
    for (const frame of frames) {
      if (!Array.isArray(frame)) continue;
      if (frame[0] === REQUEST) this.#onRequest(frame);
      else if (frame[0] === CANCEL) this.#active.get(frameId(frame))?.cancel();
      else this.#reject(frameId(frame), new StagesError('INVALID_ARGUMENT', `unknown frame kind ${String(frame[0])}`));
    }
  }

  #onRequest(frame: unknown[]): void {
    const id = frameId(frame);
    const problem = id < 0 ? 'missing call id' : requestProblem(frame);
    if (problem !== undefined) {
      this.#reject(id, new StagesError('INVALID_ARGUMENT', `malformed request frame: ${problem}`));
      return;
    }
    if (this.ctx.draining()) {
      this.#reject(id, new StagesError('UNAVAILABLE', 'server is shutting down'));
      return;
    }
    const [, , service, method, timeoutMs, metadata, payload] = frame as RequestFrame;
    const cancellation = new CallCancellation();
    this.#active.add(id, cancellation);
    this.ctx.inFlight.enter();
    const call: IncomingCall = {
      service,
      method,
      payload,
      metadata: metadata === 0 ? NO_METADATA : metadata,
      deadline: timeoutMs > 0 ? Date.now() + timeoutMs : undefined,
    };
    // A synchronous handler's answer comes back before serve() returns and is written in this same turn.
    this.ctx.pipeline.serve(call, cancellation, (error, result) => {
      if (error === undefined) this.#resolve(id, result);
      // A cancelled call's caller has forgotten its id already: nothing to send.
      else if (!cancellation.cancelled) this.#reject(id, error);
      this.#done(id);
    });
  }

  #done(id: number): void {
    this.#active.delete(id);
    this.ctx.inFlight.leave();
    if (this.stream.halfClosed) this.#endWhenIdle();
  }

  #resolve(id: number, result: unknown): void {
    if (this.#closed || this.#active.get(id) === undefined) return;
    let frame: string;
    try {
      frame = encodeResult(id, result);
    } catch (error) {
      this.#reject(id, new StagesError('INTERNAL', 'the result cannot be serialised', { cause: error }));
      return;
    }
    const bytes = frameBytes(frame, '', 0, this.ctx.maxMessageBytes);
    if (bytes + 2 > this.ctx.maxMessageBytes) {
      this.#reject(
        id,
        new StagesError(
          'PAYLOAD_TOO_LARGE',
          `the result is ${bytes} bytes, over the ${this.ctx.maxMessageBytes} limit`,
        ),
      );
      return;
    }
    this.#batcher.push(frame, bytes, this.#active.size === 1);
  }

  #reject(id: number, error: StagesError): void {
    if (this.#closed || id < 0) return;
    this.#batcher.push(encodeError(id, error.toWire()));
  }
}

/**
 * `stages.Mux/Call`: the unary fallback for a client that cannot or will not stream. The body is one request frame,
 * the answer one result or error frame, so errors cross exactly as on the stream.
 */
export function serveUnaryFrame(ctx: MuxServerContext) {
  return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void => {
    const answer = (frame: string) => {
      const bytes = Buffer.from(frame, 'utf8');
      if (bytes.length > ctx.maxMessageBytes) {
        const error = new StagesError('PAYLOAD_TOO_LARGE', `the result is ${bytes.length} bytes, over the limit`);
        callback(null, Buffer.from(encodeError(0, error.toWire())));
      } else callback(null, bytes);
    };
    let frame: unknown[];
    try {
      frame = decodeMessage(call.request);
    } catch {
      answer(encodeError(0, new StagesError('INVALID_ARGUMENT', 'malformed request: not a frame').toWire()));
      return;
    }
    const problem = frame[0] === REQUEST ? requestProblem(frame) : 'not a request frame';
    if (problem !== undefined) {
      answer(encodeError(0, new StagesError('INVALID_ARGUMENT', `malformed request frame: ${problem}`).toWire()));
      return;
    }
    if (ctx.draining()) {
      answer(encodeError(0, new StagesError('UNAVAILABLE', 'server is shutting down').toWire()));
      return;
    }
    const [, , service, method, timeoutMs, metadata, payload] = frame as RequestFrame;
    const cancellation = new CallCancellation();
    let finished = false;
    // grpc-js also reports 'cancelled' after a call completed normally: only an unfinished call is cancelled.
    call.on('cancelled', () => {
      if (!finished) cancellation.cancel();
    });
    ctx.inFlight.enter();
    // The frame's timeout was computed when the frame was built, possibly before the connection was up; grpc-js
    // computed grpc-timeout when it sent the headers. The earlier of the two is the caller's real budget.
    const frameDeadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
    const grpcDeadline = Number(call.getDeadline());
    const deadline = Math.min(frameDeadline, Number.isNaN(grpcDeadline) ? Number.POSITIVE_INFINITY : grpcDeadline);
    const incoming: IncomingCall = {
      service,
      method,
      payload,
      metadata: metadata === 0 ? NO_METADATA : metadata,
      deadline: Number.isFinite(deadline) ? deadline : undefined,
    };
    ctx.pipeline.handle(incoming, cancellation).then(
      (result) => {
        finished = true;
        ctx.inFlight.leave();
        let frame: string;
        try {
          frame = encodeResult(0, result);
        } catch (error) {
          frame = encodeError(
            0,
            new StagesError('INTERNAL', 'the result cannot be serialised', { cause: error }).toWire(),
          );
        }
        answer(frame);
      },
      (error: unknown) => {
        finished = true;
        ctx.inFlight.leave();
        answer(encodeError(0, StagesError.from(error).toWire()));
      },
    );
  };
}

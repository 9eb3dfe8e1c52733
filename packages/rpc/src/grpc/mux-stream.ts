import type { ClientHttp2Session } from 'node:http2';
import { StagesError } from '@stages/common';
import { CallTable } from './call-table.js';
import { FrameBatcher, frameBytes } from './frame-batcher.js';
import { decodeMessage, ERROR, encodeCancel, RESULT, requestHead, requestTail } from './framing.js';
import { GrpcH2Stream, type StreamStatus } from './grpc-h2-stream.js';
import { MUX_STREAM_PATH } from './mux-service.js';
import type { PendingCall } from './pending-call.js';

/**
 * Frames per request message for a stream carrying this many calls at once. Few calls: half of them, so two
 * batches are in flight and client and server work at the same time (at 8 calls per stream this did 70-88k calls/s
 * against 52-56k for one batch). Many calls: all of them, because CPU is then what limits, and every message costs
 * grpc-js the same whatever it carries (at 32 per stream one batch did 157-170k against 125-157k for two).
 */
export function framesWanted(concurrency: number): number {
  return concurrency > 16 ? concurrency : concurrency >> 1;
}

/** Requests over which the peak of calls in flight is taken (see #concurrency). */
const PEAK_WINDOW = 1_024;

/** What a stream reports to the channel that owns it. */
export interface MuxStreamOwner {
  readonly address: string;
  readonly maxMessageBytes: number;
  readonly framesPerMessage: number;
  settle(call: PendingCall, error: StagesError | undefined, value?: unknown): void;
  /** A call's deadline passed before its frame could be written: it fails with DEADLINE_EXCEEDED, unsent. */
  expired(call: PendingCall): void;
  /** Whether frames can be written now: the connection is up (until then they wait here, unrendered). */
  connected(): boolean;
  streamClosed(stream: MuxStream, status: StreamStatus, pending: PendingCall[], answered: boolean): void;
  flushed(frames: number): void;
  /** True when this is the only call in flight on the channel (so no batching is possible). */
  idle(): boolean;
}

/**
 * One long-lived `stages.Mux/Stream` to a provider carrying many calls at once, each under its own id. Requests of
 * one event-loop turn leave as one message; answers arrive in any order. If the stream breaks, its owner fails
 * every call still waiting on it at once: a call never waits on a dead stream.
 */
export class MuxStream {
  readonly #owner: MuxStreamOwner;
  readonly #pending = new CallTable<PendingCall>();
  readonly #call: GrpcH2Stream;
  /** The connection this stream runs on: after a GOAWAY, new calls go to streams on the next one. */
  readonly session: ClientHttp2Session;
  readonly #batcher: FrameBatcher;
  #nextId = 1;
  #peak = 0;
  #previousPeak = 0;
  #sinceReset = 0;
  #closed = false;
  /** Whether the server ever answered on this stream (an UNIMPLEMENTED status before that means: no mux here). */
  #answered = false;

  constructor(session: ClientHttp2Session, owner: MuxStreamOwner) {
    this.#owner = owner;
    this.session = session;
    this.#call = new GrpcH2Stream(session, MUX_STREAM_PATH, owner.maxMessageBytes, {
      message: (message) => this.#onMessage(message),
      closed: (status) => this.#onClosed(status),
    });
    this.#batcher = new FrameBatcher(
      (message, frames) => {
        if (this.#closed) return;
        this.#call.write(message);
        owner.flushed(frames);
      },
      owner.maxMessageBytes,
      owner.framesPerMessage,
      () => owner.connected(),
      () => framesWanted(this.#concurrency()),
    );
  }

  get load(): number {
    return this.#pending.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Queues one call; its frame is rendered (timeout filled in) when written, once the connection is up. Fails it at
   * once with PAYLOAD_TOO_LARGE when its frame alone exceeds the message limit.
   */
  send(pending: PendingCall): void {
    const { call } = pending;
    const id = this.#nextId++;
    try {
      pending.head = requestHead(id, call.service, call.method);
      pending.tail = requestTail(call.metadata, call.payload);
    } catch (error) {
      this.#owner.settle(
        pending,
        new StagesError('INVALID_ARGUMENT', `request for ${call.service}/${call.method} cannot be serialised`, {
          cause: error,
        }),
      );
      return;
    }
    // The timeout's digits now are an upper bound: it only shrinks while the frame waits.
    const timeoutDigits = Number.isFinite(call.deadline) ? String(Math.floor(call.deadline - Date.now())).length : 1;
    const bytes = frameBytes(pending.head, pending.tail, timeoutDigits, this.#owner.maxMessageBytes);
    if (bytes + 2 > this.#owner.maxMessageBytes) {
      this.#owner.settle(
        pending,
        new StagesError(
          'PAYLOAD_TOO_LARGE',
          `request for ${call.service}/${call.method} is ${bytes} bytes, over the ${this.#owner.maxMessageBytes} limit`,
        ),
      );
      return;
    }
    pending.id = id;
    pending.stream = this;
    pending.sent = false;
    this.#pending.add(id, pending);
    this.#notePeak();
    this.#batcher.push(pending, bytes, this.#pending.size === 1 && this.#owner.idle());
  }

  /** Writes what waited for the connection (the owner saw it come up). */
  flush(): void {
    if (!this.#closed) this.#batcher.flush();
  }

  /** Called by a frame that found its deadline passed before it could be written. */
  expire(pending: PendingCall): void {
    if (this.#pending.get(pending.id) !== pending) return;
    this.#pending.delete(pending.id);
    this.#owner.expired(pending);
  }

  /** The caller gave up (deadline, abort): forget the call and tell the server to stop working on it. */
  cancel(pending: PendingCall): void {
    if (!this.#pending.delete(pending.id) || this.#closed) return;
    // A request still queued here is simply not written (render() skips a settled call): nothing to cancel.
    if (pending.sent) this.#batcher.push(encodeCancel(pending.id));
  }

  /** A call settled elsewhere (it cannot be on this stream any more). */
  forget(pending: PendingCall): void {
    this.#pending.delete(pending.id);
  }

  /** Half-closes: the server answers what it has and ends the stream. */
  end(): void {
    if (this.#closed) return;
    this.#batcher.flush();
    // Calls still waiting for the connection will never be written on a stream that is ending.
    for (const pending of this.#pending.values()) {
      if (pending.sent) continue;
      this.#pending.delete(pending.id);
      this.#owner.settle(pending, new StagesError('UNAVAILABLE', `channel to ${this.#owner.address} was closed`));
    }
    this.#batcher.clear();
    this.#call.end();
  }

  /** Tears the stream down now; its calls are failed by the status handler. */
  destroy(): void {
    this.#batcher.clear();
    this.#call.cancel();
  }

  /**
   * How many calls this stream carries at once, for the batcher's cap: the peak of calls in flight over the last
   * 1,024 to 2,048 requests. The count at the moment a frame is queued would be a poor guide: it dips every time a
   * batch of answers settles, just when the callers queue the next requests.
   */
  #concurrency(): number {
    return Math.max(this.#peak, this.#previousPeak);
  }

  #notePeak(): void {
    const size = this.#pending.size;
    if (size > this.#peak) this.#peak = size;
    if (++this.#sinceReset === PEAK_WINDOW) {
      this.#previousPeak = this.#peak;
      this.#peak = size;
      this.#sinceReset = 0;
    }
  }

  #onMessage(message: Buffer): void {
    this.#answered = true;
    let frames: unknown[];
    try {
      frames = decodeMessage(message);
    } catch {
      // The server sent garbage: nothing on this stream can be trusted any more.
      this.#call.cancel();
      return;
    }
    for (const frame of frames) {
      if (!Array.isArray(frame)) continue;
      const pending = this.#pending.get(frame[1] as number);
      if (pending === undefined) continue; // cancelled or timed out here already
      this.#pending.delete(pending.id);
      if (frame[0] === RESULT) this.#owner.settle(pending, undefined, frame[2]);
      else if (frame[0] === ERROR) this.#owner.settle(pending, StagesError.fromWire(frame[2]));
      else this.#owner.settle(pending, new StagesError('INTERNAL', `unexpected frame kind ${String(frame[0])}`));
    }
  }

  #onClosed(status: StreamStatus): void {
    this.#closed = true;
    this.#batcher.clear();
    const pending = this.#pending.values();
    this.#pending.clear();
    this.#owner.streamClosed(this, status, pending, this.#answered);
  }
}

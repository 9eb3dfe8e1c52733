import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { type ServerDuplexStream, status } from '@grpc/grpc-js';
import { frameGrpcMessage, GrpcMessageReader } from './grpc-messages.js';

/** What a mux server stream hears from its call. */
export interface MuxServerCallListener {
  message(message: Buffer): void;
  /** The client half-closed: no more requests will come. */
  halfClosed(): void;
  /** The call is gone (cancelled by the client, connection lost): nothing can be sent any more. */
  gone(): void;
}

/**
 * One `stages.Mux/Stream` call as the mux server uses it, whichever layer carries it: a grpc-js server stream, or
 * the HTTP/2 stream itself (see H2MuxServerCall).
 */
export interface MuxServerCall {
  readonly peer: string;
  /** Whether the client has half-closed. */
  readonly halfClosed: boolean;
  listen(listener: MuxServerCallListener): void;
  write(message: Buffer): void;
  /** Ends the call with OK. */
  end(): void;
  /** Ends the call with an error status. */
  fail(code: status, details: string): void;
}

/** A grpc-js server stream as a MuxServerCall. */
export function grpcMuxServerCall(stream: ServerDuplexStream<Buffer, Buffer>): MuxServerCall {
  return {
    get peer() {
      return stream.getPeer();
    },
    get halfClosed() {
      return stream.readableEnded;
    },
    listen(listener) {
      stream.on('data', (message: Buffer) => listener.message(message));
      stream.on('end', () => listener.halfClosed());
      stream.on('cancelled', () => listener.gone());
      stream.on('error', () => listener.gone());
    },
    write: (message) => stream.write(message),
    end: () => stream.end(),
    // grpc-js ends a server stream with the status of an 'error' event emitted on it.
    fail: (code, details) => stream.emit('error', { code, details }),
  };
}

/**
 * A `stages.Mux/Stream` call answered on the HTTP/2 stream directly, in gRPC's wire format (response headers,
 * length-prefixed messages, grpc-status in the trailers), without grpc-js's server call stack: measured at
 * concurrency 1 (bench/rpc/latency.ts, pinned), grpc-js's stream layers cost about 3.4 us per call over a bare
 * HTTP/2 server. See routeMuxStreams (h2-mux-route.ts) for how such streams reach it while grpc-js keeps serving everything else.
 */
export class H2MuxServerCall implements MuxServerCall {
  readonly peer: string;
  readonly #stream: ServerHttp2Stream;
  readonly #reader: GrpcMessageReader;
  #listener: MuxServerCallListener | undefined;
  #halfClosed = false;
  #ended = false;
  #trailers: OutgoingHttpHeaders = {};

  constructor(stream: ServerHttp2Stream, maxMessageBytes: number) {
    this.#stream = stream;
    const socket = stream.session?.socket;
    this.peer = socket ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown';
    this.#reader = new GrpcMessageReader(maxMessageBytes, (message) => this.#listener?.message(message));
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': 'identity' },
      { waitForTrailers: true },
    );
    stream.on('wantTrailers', () => stream.sendTrailers(this.#trailers));
    // 'close' follows every 'error'; close is where a call that did not end here is reported gone.
    stream.on('error', () => {});
  }

  get halfClosed(): boolean {
    return this.#halfClosed;
  }

  listen(listener: MuxServerCallListener): void {
    this.#listener = listener;
    const stream = this.#stream;
    stream.on('data', (chunk: Buffer) => {
      if (this.#ended) return;
      const problem = this.#reader.push(chunk);
      if (problem === undefined) return;
      // Like grpc-js: a request over the limit ends the call with its status (the client fails its calls).
      this.fail(problem.code, `received ${problem.details}`);
      listener.gone();
    });
    stream.on('end', () => {
      this.#halfClosed = true;
      listener.halfClosed();
    });
    stream.on('close', () => {
      if (this.#ended) return;
      this.#ended = true;
      listener.gone();
    });
  }

  write(message: Buffer): void {
    if (!this.#ended && !this.#stream.destroyed) this.#stream.write(frameGrpcMessage(message));
  }

  end(): void {
    this.#finish(status.OK, '');
  }

  fail(code: status, details: string): void {
    this.#finish(code, details);
  }

  #finish(code: status, details: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reader.clear();
    if (this.#stream.destroyed || this.#stream.closed) return;
    this.#trailers = { 'grpc-status': String(code), 'grpc-message': encodeURIComponent(details) };
    this.#stream.end();
  }
}

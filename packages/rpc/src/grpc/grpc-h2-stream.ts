import { type ClientHttp2Session, type ClientHttp2Stream, constants } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { frameGrpcMessage, GrpcMessageReader } from './grpc-messages.js';

/** How a stream ended, in gRPC terms (the fields of grpc-js's StatusObject that Stages reads). */
export interface StreamStatus {
  readonly code: status;
  readonly details: string;
}

/** What a stream reports to whoever reads it. */
export interface GrpcStreamListener {
  message(message: Buffer): void;
  /** Exactly once, when the stream is over, whichever side ended it. */
  closed(status: StreamStatus): void;
}

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_NO_ERROR } = constants;

/**
 * One gRPC bidirectional-streaming call spoken directly on a Node http2 session: the gRPC wire format
 * (length-prefixed messages, grpc-status in the trailers), without grpc-js's client call stack.
 *
 * Why not grpc-js's own stream: every message a grpc-js client stream sends or receives goes through its
 * interceptor and filter layers, several of them async (the compression filter awaits each message even when
 * nothing is compressed). Measured at concurrency 1 with bench/rpc/latency.ts pinned to one CPU, the cluster
 * client's call took 7.7 us less written directly on http2. The mux stream needs none of those layers: it sends
 * uncompressed messages on one long-lived call. The server answers it the same way (H2MuxServerCall); unary calls
 * (the fallback, IDL mode) stay grpc-js calls.
 */
export class GrpcH2Stream {
  readonly #stream: ClientHttp2Stream;
  readonly #listener: GrpcStreamListener;
  readonly #reader: GrpcMessageReader;
  #status: StreamStatus | undefined;
  #reported = false;

  constructor(session: ClientHttp2Session, path: string, maxMessageBytes: number, listener: GrpcStreamListener) {
    this.#listener = listener;
    this.#reader = new GrpcMessageReader(maxMessageBytes, (message) => {
      if (!this.#reported) listener.message(message);
    });
    this.#stream = session.request(
      {
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: path,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        [constants.HTTP2_HEADER_TE]: 'trailers',
        [constants.HTTP2_HEADER_USER_AGENT]: 'stages-rpc',
      },
      { endStream: false },
    );
    const stream = this.#stream;
    stream.on('response', (headers) => {
      const httpStatus = Number(headers[constants.HTTP2_HEADER_STATUS]);
      if (httpStatus !== 200) {
        this.#status = { code: httpToGrpc(httpStatus), details: `HTTP status ${httpStatus}` };
      }
      // A trailers-only answer (an error before any message, e.g. UNIMPLEMENTED) carries grpc-status here.
      this.#statusFrom(headers);
    });
    stream.on('trailers', (trailers) => this.#statusFrom(trailers));
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    // The server ended its side: with a status (trailers) the call is over, even while this side is still open
    // (a server refusing an oversized message ends the call with RESOURCE_EXHAUSTED that way).
    stream.on('end', () => {
      if (this.#status === undefined) return;
      if (!stream.closed) stream.close(NGHTTP2_NO_ERROR);
      this.#onClose();
    });
    // 'error' always precedes 'close' with the cause; close decides the status, so the error needs no more.
    stream.on('error', (error: Error) => {
      this.#status ??= { code: status.UNAVAILABLE, details: error.message };
    });
    stream.on('close', () => this.#onClose());
  }

  /** Sends one message; false when the stream is buffering (HTTP/2 flow control), like a Writable. */
  write(message: Buffer): boolean {
    return this.#stream.write(frameGrpcMessage(message));
  }

  /** Half-closes: no more messages from here; the server may still answer and then ends the call. */
  end(): void {
    if (!this.#stream.closed) this.#stream.end();
  }

  /** Abandons the call now (RST_STREAM CANCEL); it reports CANCELLED unless it had ended already. */
  cancel(): void {
    this.#status ??= { code: status.CANCELLED, details: 'cancelled on the client' };
    if (!this.#stream.closed) this.#stream.close(NGHTTP2_CANCEL);
  }

  #statusFrom(headers: Record<string, string | string[] | number | undefined>): void {
    const code = headers['grpc-status'];
    if (code === undefined || this.#status !== undefined) return;
    const n = Number(code);
    const message = headers['grpc-message'];
    this.#status = {
      code: Number.isInteger(n) && n >= 0 && n <= 16 ? (n as status) : status.UNKNOWN,
      details: typeof message === 'string' ? decodeMessage(message) : '',
    };
  }

  #onData(chunk: Buffer): void {
    if (this.#reported) return;
    const problem = this.#reader.push(chunk);
    if (problem !== undefined) this.#fail(problem.code, `received ${problem.details}`);
  }

  #fail(code: status, details: string): void {
    this.#status = { code, details };
    this.#reader.clear();
    if (!this.#stream.closed) this.#stream.close(NGHTTP2_CANCEL);
    this.#onClose();
  }

  #onClose(): void {
    if (this.#reported) return;
    this.#reported = true;
    let result = this.#status;
    if (result === undefined) {
      const code = this.#stream.rstCode;
      result =
        code === NGHTTP2_REFUSED_STREAM
          ? { code: status.UNAVAILABLE, details: 'stream refused by the server' }
          : code === NGHTTP2_CANCEL
            ? { code: status.CANCELLED, details: 'stream cancelled' }
            : code !== undefined && code !== NGHTTP2_NO_ERROR
              ? { code: status.INTERNAL, details: `stream reset with HTTP/2 code ${code}` }
              : { code: status.UNKNOWN, details: 'stream ended without a gRPC status' };
    }
    this.#listener.closed(result);
  }
}

/** gRPC's mapping of HTTP statuses from a server that did not answer in gRPC (a proxy, a wrong port). */
function httpToGrpc(httpStatus: number): status {
  switch (httpStatus) {
    case 400:
      return status.INTERNAL;
    case 401:
      return status.UNAUTHENTICATED;
    case 403:
      return status.PERMISSION_DENIED;
    case 404:
      return status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return status.UNAVAILABLE;
    default:
      return status.UNKNOWN;
  }
}

/** grpc-message is percent-encoded (gRPC's HTTP/2 spec). */
function decodeMessage(message: string): string {
  try {
    return decodeURIComponent(message);
  } catch {
    return message;
  }
}

import { status } from '@grpc/grpc-js';

/** gRPC's 5-byte message prefix: a compressed flag and a big-endian length. */
const PREFIX = 5;

/** Why a stream of gRPC messages cannot go on. */
export interface MessageProblem {
  readonly code: status;
  readonly details: string;
}

/** One message with gRPC's length prefix, uncompressed. */
export function frameGrpcMessage(message: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(PREFIX + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, PREFIX);
  return framed;
}

/**
 * Cuts the bytes of one HTTP/2 stream into gRPC messages (length-prefixed, possibly split across DATA frames or
 * several in one), refusing a message over the size limit before buffering it, and a compressed one (Stages never
 * negotiates compression on the mux).
 */
export class GrpcMessageReader {
  #pending: Buffer | undefined;

  constructor(
    private readonly maxMessageBytes: number,
    private readonly onMessage: (message: Buffer) => void,
  ) {}

  /** Feeds one chunk; returns the problem that ends the stream, if any (then nothing more should be pushed). */
  push(chunk: Buffer): MessageProblem | undefined {
    let data = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    while (data.length >= PREFIX) {
      if (data[0] !== 0) return { code: status.INTERNAL, details: 'a compressed message, which was never negotiated' };
      const length = data.readUInt32BE(1);
      if (length > this.maxMessageBytes) {
        return {
          code: status.RESOURCE_EXHAUSTED,
          details: `a message of ${length} bytes, over the ${this.maxMessageBytes} limit`,
        };
      }
      if (data.length < PREFIX + length) break;
      const message = data.subarray(PREFIX, PREFIX + length);
      data = data.subarray(PREFIX + length);
      this.onMessage(message);
    }
    if (data.length > 0) this.#pending = data;
    return undefined;
  }

  clear(): void {
    this.#pending = undefined;
  }
}

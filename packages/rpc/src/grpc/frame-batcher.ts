/**
 * Coalesces the frames written during one event-loop turn into one gRPC message. Under load, many calls start or
 * finish in the same turn (one incoming message resolves dozens of promises), and one message with 64 frames costs
 * grpc-js about what one message with one frame costs: this is where the Stages-to-Stages mode gets its speed.
 *
 * Flushing on setImmediate rather than a microtask lets every promise continuation of the current turn add its
 * frame first. A batch never exceeds maxMessageBytes: it is cut into several messages instead.
 *
 * It is also cut at maxFrames, and that part is sent at once: with one message per turn, client and server take
 * turns (each idle while the other works, measured at ~50% idle on both sides at concurrency 64); sending the
 * first frames while the rest are still being produced lets the peer start on them, so the two cores overlap.
 */
/** Frames per message before the batch is sent without waiting for the end of the turn. */
export const DEFAULT_FRAMES_PER_MESSAGE = 32;

export class FrameBatcher {
  #parts: string[] = [];
  #bytes = 2;
  #scheduled = false;
  readonly #flushSoon = () => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(
    private readonly write: (message: Buffer, frames: number) => void,
    readonly maxMessageBytes: number,
    readonly maxFrames = DEFAULT_FRAMES_PER_MESSAGE,
  ) {}

  /** Queues one encoded frame. The caller has checked it fits in a message on its own. */
  push(frame: string, bytes = Buffer.byteLength(frame)): void {
    if (this.#parts.length > 0 && this.#bytes + bytes + 1 > this.maxMessageBytes) this.flush();
    this.#parts.push(frame);
    this.#bytes += bytes + 1;
    if (this.#parts.length >= this.maxFrames) {
      this.flush();
      return;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushSoon);
    }
  }

  get pending(): number {
    return this.#parts.length;
  }

  flush(): void {
    const parts = this.#parts;
    if (parts.length === 0) return;
    this.#parts = [];
    this.#bytes = 2;
    this.write(Buffer.from(`[${parts.join(',')}]`, 'utf8'), parts.length);
  }

  /** Drops queued frames (the stream is gone). */
  clear(): void {
    this.#parts = [];
    this.#bytes = 2;
  }
}

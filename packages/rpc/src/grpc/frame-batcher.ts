/**
 * Coalesces the frames written during one event-loop turn into one gRPC message. Under load, many calls start or
 * finish in the same turn (one incoming message resolves dozens of promises), and one message with 64 frames costs
 * grpc-js about what one message with one frame costs: this is where the Stages-to-Stages mode gets its speed.
 *
 * Flushing on setImmediate rather than a microtask lets every promise continuation of the current turn add its
 * frame first. A batch never exceeds maxMessageBytes: it is cut into several messages instead.
 */
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
  ) {}

  /** Queues one encoded frame. The caller has checked it fits in a message on its own. */
  push(frame: string, bytes = Buffer.byteLength(frame)): void {
    if (this.#parts.length > 0 && this.#bytes + bytes + 1 > this.maxMessageBytes) this.flush();
    this.#parts.push(frame);
    this.#bytes += bytes + 1;
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

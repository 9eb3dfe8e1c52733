/**
 * Coalesces the frames written during one event-loop turn into one gRPC message. Under load, many calls start or
 * finish in the same turn (one incoming message resolves dozens of promises), and one message with 64 frames costs
 * grpc-js about what one message with one frame costs: this is where the Stages-to-Stages mode gets its speed.
 *
 * Flushing on setImmediate rather than a microtask lets every promise continuation of the current turn add its
 * frame first. A batch never exceeds maxMessageBytes: it is cut into several messages instead.
 *
 * It is also cut at maxFrames, and that part is sent at once, so a large burst (hundreds of calls started in one
 * turn) reaches the peer while the rest is still being encoded and both sides work at the same time. The cut is
 * high because every message has a fixed cost in grpc-js: CPU per call rose as the cap went down (at
 * concurrency 64: ~14 µs client+server uncapped, ~16 µs at 32 frames, ~27 µs at 8).
 */
/** Frames per message before the batch is sent without waiting for the end of the turn. */
export const DEFAULT_FRAMES_PER_MESSAGE = 128;

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

  /**
   * Queues one encoded frame. The caller has checked it fits in a message on its own, and says whether it is the
   * only call in flight (then it goes out at once).
   */
  push(frame: string, bytes = Buffer.byteLength(frame), alone = false): void {
    // A frame that is alone (nothing else in flight, nothing queued) cannot be batched with anything: waiting for
    // the end of the turn would only add latency to the one call there is.
    if (alone && this.#parts.length === 0) {
      this.write(Buffer.from(`[${frame}]`, 'utf8'), 1);
      return;
    }
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

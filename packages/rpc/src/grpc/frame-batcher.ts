/**
 * Coalesces the frames written during one event-loop turn into one gRPC message. Under load, many calls start or
 * finish in the same turn (one incoming message resolves dozens of promises), and one message with 64 frames costs
 * grpc-js about what one message with one frame costs: this is where the Stages-to-Stages mode gets its speed.
 *
 * Flushing on setImmediate rather than a microtask lets every promise continuation of the current turn add its
 * frame first. A batch never exceeds maxMessageBytes: it is cut into several messages instead.
 *
 * It is also cut at a cap, and that part is sent at once, so the peer can start on it while the rest is produced.
 * The cap follows the load (see framesWanted in mux-stream.ts): a client stream carrying few calls cuts at half of
 * them, so two batches are in flight and both sides work at once; one carrying many sends them all in one message,
 * because CPU then limits and every message has a fixed cost in grpc-js. A server stream answers in batches the size
 * the requests came in, and maxFrames (32) bounds both. Measured on a quiet 2-core machine, echo through the
 * cluster client, client and server in two processes, 2 streams per provider: a fixed cap of 32 did 52-56k calls/s
 * at concurrency 16, 83k at 32 and 159-170k at 64; following the load does 86k, 117-122k and 159-167k. A cap of
 * 128 at concurrency 64 did 88k (both sides taking turns with one batch in flight).
 */
/** Frames per message before the batch is sent without waiting for the end of the turn. */
export const DEFAULT_FRAMES_PER_MESSAGE = 32;

/**
 * A frame whose text is only known when it is written: a request carries the time its deadline has left at that
 * moment. render() returns undefined to drop the frame (the call ended, or its deadline passed while queued).
 */
export interface LateFrame {
  render(): string | undefined;
}

const ALWAYS = () => true;

export class FrameBatcher {
  #parts: (string | LateFrame)[] = [];
  /** Each part's size in bytes; for a late frame an upper bound (its timeout only shrinks while it waits). */
  #sizes: number[] = [];
  #bytes = 2;
  #scheduled = false;
  readonly #flushSoon = () => {
    this.#scheduled = false;
    this.flush();
  };

  /**
   * `writable` gates every write: while it says no (the connection is not up yet), frames stay here, unrendered,
   * and whoever knows when it changes calls flush().
   */
  constructor(
    private readonly write: (message: Buffer, frames: number) => void,
    readonly maxMessageBytes: number,
    readonly maxFrames = DEFAULT_FRAMES_PER_MESSAGE,
    private readonly writable: () => boolean = ALWAYS,
    private readonly framesWanted?: () => number,
  ) {}

  /** Frames per message now: what the owner wants (see the class comment), between 1 and maxFrames. */
  #cap(): number {
    if (this.framesWanted === undefined) return this.maxFrames;
    const wanted = this.framesWanted();
    return Math.max(1, Math.min(wanted, this.maxFrames));
  }

  /**
   * Queues one frame. The caller has checked it fits in a message on its own, and says whether it is the only
   * call in flight (then it goes out at once).
   */
  push(frame: string | LateFrame, bytes = byteLength(frame), alone = false): void {
    // A frame that is alone (nothing else in flight, nothing queued) cannot be batched with anything: waiting for
    // the end of the turn would only add latency to the one call there is.
    if (alone && this.#parts.length === 0 && this.writable()) {
      const text = typeof frame === 'string' ? frame : frame.render();
      if (text !== undefined) this.write(Buffer.from(`[${text}]`, 'utf8'), 1);
      return;
    }
    this.#parts.push(frame);
    this.#sizes.push(bytes);
    this.#bytes += bytes + 1;
    if (this.#parts.length >= this.#cap() || this.#bytes > this.maxMessageBytes) this.flush();
    if (!this.#scheduled && this.#parts.length > 0) {
      this.#scheduled = true;
      setImmediate(this.#flushSoon);
    }
  }

  get pending(): number {
    return this.#parts.length;
  }

  /** Writes everything queued, cut into messages under maxMessageBytes and maxFrames; nothing while not writable. */
  flush(): void {
    const parts = this.#parts;
    if (parts.length === 0 || !this.writable()) return;
    const sizes = this.#sizes;
    this.#parts = [];
    this.#sizes = [];
    this.#bytes = 2;
    let chunk: string[] = [];
    let bytes = 2;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      // Rendering may settle a call, and its continuations may queue new frames: they go to the fresh #parts.
      const text = typeof part === 'string' ? part : part.render();
      if (text === undefined) continue;
      const size = sizes[i]!;
      if (chunk.length > 0 && (bytes + size + 1 > this.maxMessageBytes || chunk.length >= this.maxFrames)) {
        this.write(Buffer.from(`[${chunk.join(',')}]`, 'utf8'), chunk.length);
        chunk = [];
        bytes = 2;
      }
      chunk.push(text);
      bytes += size + 1;
    }
    if (chunk.length > 0) this.write(Buffer.from(`[${chunk.join(',')}]`, 'utf8'), chunk.length);
  }

  /** Drops queued frames (the stream is gone). */
  clear(): void {
    this.#parts = [];
    this.#sizes = [];
    this.#bytes = 2;
  }
}

function byteLength(frame: string | LateFrame): number {
  if (typeof frame !== 'string') throw new TypeError('a late frame needs its size');
  return Buffer.byteLength(frame);
}

/**
 * A frame's size in bytes for the batcher, from its parts: an upper bound (three bytes per UTF-16 unit) when even
 * that fits the message limit easily, the exact count otherwise. Counting UTF-8 bytes scans the whole payload;
 * the bound is free and only makes batches of big frames a little smaller than they could be.
 */
export function frameBytes(head: string, tail: string, extra: number, maxMessageBytes: number): number {
  const bound = (head.length + tail.length) * 3 + extra;
  return bound <= maxMessageBytes >>> 4 ? bound : Buffer.byteLength(head) + Buffer.byteLength(tail) + extra;
}

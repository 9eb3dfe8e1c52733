/**
 * Turns a burst of triggers into one run: the first trigger schedules `run` after `delayMs`, later ones in that
 * window ride along. Runs never overlap; a trigger during a run schedules exactly one more run after it, so the
 * last change is never lost. This is what makes "ten providers joined" one update instead of ten.
 */
export class Coalescer {
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  #delayed = false;
  #running = false;
  #again = false;
  #stopped = false;

  constructor(
    private readonly delayMs: number,
    private readonly run: () => Promise<void> | void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * `now` skips the window (a first read, a reconnect: there is no burst to wait for). A run already scheduled
   * with a delay is brought forward.
   */
  trigger(now = false): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    const immediate = now || this.delayMs === 0;
    if (this.#timer && !(immediate && this.#delayed)) return;
    this.#clear();
    this.#delayed = !immediate;
    // Immediate means "after the current burst of I/O callbacks": setImmediate, not setTimeout's 1 ms minimum.
    this.#timer = immediate ? setImmediate(() => void this.#fire()) : setTimeout(() => void this.#fire(), this.delayMs);
  }

  #clear(): void {
    if (this.#timer) {
      clearTimeout(this.#timer as NodeJS.Timeout);
      clearImmediate(this.#timer as NodeJS.Immediate);
    }
    this.#timer = undefined;
  }

  stop(): void {
    this.#stopped = true;
    this.#clear();
  }

  async #fire(): Promise<void> {
    this.#timer = undefined;
    this.#running = true;
    this.#again = false;
    try {
      await this.run();
    } catch (error) {
      this.onError(error);
    } finally {
      this.#running = false;
      if (this.#again) this.trigger();
    }
  }
}

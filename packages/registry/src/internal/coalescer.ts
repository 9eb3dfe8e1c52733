/**
 * Turns a burst of triggers into one run: the first trigger schedules `run` after `delayMs`, later ones in that
 * window ride along. Runs never overlap; a trigger during a run schedules exactly one more run after it, so the
 * last change is never lost. This is what makes "ten providers joined" one update instead of ten.
 */
export class Coalescer {
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  #stopped = false;

  constructor(
    private readonly delayMs: number,
    private readonly run: () => Promise<void> | void,
    private readonly onError: (error: unknown) => void,
  ) {}

  trigger(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) return;
    this.#timer = setTimeout(() => void this.#fire(), this.delayMs);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
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

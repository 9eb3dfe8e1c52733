import { StagesError } from '@stages/common';

/**
 * Lets a transport abandon a call it has handed to the pipeline (the caller sent a cancel frame, or went away).
 * A plain object rather than an AbortController: transports create one per call only when the caller can cancel,
 * and AbortController/EventTarget cost more than the rest of a fast call.
 */
export class CallCancellation {
  #listener: ((error: StagesError) => void) | undefined;
  #reason: StagesError | undefined;

  get cancelled(): boolean {
    return this.#reason !== undefined;
  }

  cancel(reason: StagesError = new StagesError('CANCELLED', 'cancelled by the caller')): void {
    if (this.#reason) return;
    this.#reason = reason;
    this.#listener?.(reason);
  }

  /** One listener (the pipeline's race); called at once when already cancelled. */
  onCancel(listener: (error: StagesError) => void): void {
    if (this.#reason) listener(this.#reason);
    else this.#listener = listener;
  }
}

import { StagesError } from '@stages/common';

/**
 * Lets a transport abandon a call it has handed to the pipeline (the caller sent a cancel frame, or went away).
 * A plain object rather than an AbortController: transports create one per call only when the caller can cancel,
 * and AbortController/EventTarget cost more than the rest of a fast call.
 */
export class CallCancellation {
  #listener: ((error: StagesError) => void) | undefined;
  #cancelled = false;
  #reason: StagesError | undefined;

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /**
   * The error is built only when someone listens: grpc-js reports every finished unary call as 'cancelled', and
   * an Error (with its stack) per call would be most of a fast call's cost.
   */
  cancel(reason?: StagesError): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#reason = reason;
    if (this.#listener) this.#listener(this.#error());
  }

  /** One listener (the pipeline's race); called at once when already cancelled. */
  onCancel(listener: (error: StagesError) => void): void {
    if (this.#cancelled) listener(this.#error());
    else this.#listener = listener;
  }

  #error(): StagesError {
    this.#reason ??= new StagesError('CANCELLED', 'cancelled by the caller');
    return this.#reason;
  }
}

import type { Attempts, FaultTolerance } from './mode.js';

/** One attempt, and its error is the call's error. For non-idempotent writes where a retry could duplicate. */
export class FailfastMode implements FaultTolerance {
  readonly name = 'failfast';

  execute(attempts: Attempts): Promise<unknown> {
    return attempts.invoke(attempts.select()!);
  }
}

import { createLogger, StagesError } from '@stages/common';
import type { Attempts, FaultTolerance } from './mode.js';

const log = createLogger('rpc.failsafe');

/**
 * One attempt; a failure is logged and the call returns undefined. For calls whose result the caller can do
 * without (audit logs, metrics pushes, recommendations), so a dependency's outage never becomes the caller's.
 */
export class FailsafeMode implements FaultTolerance {
  readonly name = 'failsafe';

  async execute(attempts: Attempts): Promise<unknown> {
    try {
      return await attempts.invoke(attempts.select()!);
    } catch (error) {
      const e = StagesError.from(error);
      log.warn({ service: attempts.service, method: attempts.method, code: e.code, err: e }, 'failsafe call failed');
      return undefined;
    }
  }
}

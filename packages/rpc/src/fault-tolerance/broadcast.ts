import { StagesError } from '@stages/common';
import type { Attempts, FaultTolerance } from './mode.js';

/**
 * Calls every provider (for "refresh your cache" style operations) and fails if any of them failed, saying
 * which: details.failed lists each failed provider with its error code, details.succeeded the others.
 * Resolves to the first provider's result. Zone and tag preferences do not narrow a broadcast.
 */
export class BroadcastMode implements FaultTolerance {
  readonly name = 'broadcast';

  async execute(attempts: Attempts): Promise<unknown> {
    const providers = attempts.all();
    if (providers.length === 0) attempts.select(); // throws the "why no provider" error
    const results = await Promise.allSettled(providers.map((p) => attempts.invoke(p)));
    const failed: { id: string; address: string; code: string; message: string }[] = [];
    const succeeded: string[] = [];
    results.forEach((r, i) => {
      const p = providers[i]!;
      if (r.status === 'fulfilled') succeeded.push(p.id);
      else {
        const e = StagesError.from(r.reason);
        failed.push({ id: p.id, address: `${p.host}:${p.port}`, code: e.code, message: e.message });
      }
    });
    if (failed.length > 0) {
      const first = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
      const code = StagesError.from(first).code;
      throw new StagesError(
        code,
        `broadcast ${attempts.service}.${attempts.method}: ${failed.length} of ${providers.length} providers failed: ${failed
          .map((f) => `${f.address} ${f.code}`)
          .join(', ')}`,
        { retryable: false, details: { failed, succeeded } },
      );
    }
    return (results[0] as PromiseFulfilledResult<unknown>).value;
  }
}

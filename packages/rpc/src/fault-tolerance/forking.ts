import { StagesError } from '@stages/common';
import type { ProviderInstance } from '@stages/registry';
import type { Attempts, FaultTolerance } from './mode.js';

export interface ForkingOptions {
  /** Providers to fire at. Default 2. */
  forks?: number;
  /**
   * 0 (forking): fire at all of them at once. Above 0 (hedged): fire at the next one only when the previous
   * has not answered for this long, so the extra load is paid only by the slow tail.
   */
  hedgeDelayMs?: number;
}

/**
 * Sends one call to several providers and takes the first success; the others are cancelled through their
 * AbortSignal. For latency-critical reads: the call is as slow as the fastest of K providers, not the slowest.
 * Only for idempotent methods; a non-idempotent one gets a single attempt (the request would run K times).
 * Fails only when every fork failed, with the error of the first fork to fail for a reason other than
 * cancellation.
 */
export class ForkingMode implements FaultTolerance {
  readonly name: string;
  readonly forks: number;
  readonly hedgeDelayMs: number;

  constructor(options: ForkingOptions = {}, name = 'forking') {
    this.name = name;
    this.forks = Math.max(1, options.forks ?? 2);
    this.hedgeDelayMs = Math.max(0, options.hedgeDelayMs ?? 0);
  }

  execute(attempts: Attempts): Promise<unknown> {
    const first = attempts.select()!;
    if (!attempts.idempotent || this.forks === 1) return attempts.invoke(first);
    return new Promise((resolve, reject) => {
      const tried = new Set<string>();
      const controllers: AbortController[] = [];
      const errors: unknown[] = [];
      let running = 0;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;

      const finish = (winner?: AbortController) => {
        settled = true;
        if (timer) clearTimeout(timer);
        for (const c of controllers) {
          if (c !== winner) c.abort(new StagesError('CANCELLED', 'another fork answered first'));
        }
      };
      const fire = (provider: ProviderInstance) => {
        tried.add(provider.id);
        const controller = new AbortController();
        controllers.push(controller);
        running++;
        attempts.invoke(provider, controller.signal).then(
          (value) => {
            if (settled) return;
            finish(controller);
            resolve(value);
          },
          (error) => {
            running--;
            errors.push(error);
            if (settled) return;
            // A hedge that failed fast should not wait for the timer: fire the next one now.
            if (!launchNext() && running === 0) {
              finish();
              reject(errors.find((e) => !StagesError.is(e, 'CANCELLED')) ?? errors[0]);
            }
          },
        );
      };
      const next = (): ProviderInstance | undefined => {
        if (tried.size >= this.forks) return undefined;
        try {
          return attempts.select(tried);
        } catch {
          return undefined;
        }
      };
      const launchNext = (): boolean => {
        const p = next();
        if (!p) return false;
        fire(p);
        schedule();
        return true;
      };
      const schedule = () => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        if (this.hedgeDelayMs > 0 && tried.size < this.forks) {
          timer = setTimeout(launchNext, this.hedgeDelayMs);
          timer.unref?.();
        }
      };

      fire(first);
      if (this.hedgeDelayMs === 0) {
        while (!settled && launchNext()) {}
      } else schedule();
    });
  }
}

import type { BreakerFactory, ProviderBreaker } from './breaker.js';

/** Never opens. For tests, and for services whose callers do their own protection. */
export class NoBreaker implements ProviderBreaker {
  readonly state = 'closed' as const;
  allows(): boolean {
    return true;
  }
  run<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }
  shutdown(): void {}
}

export class NoBreakerFactory implements BreakerFactory {
  readonly name = 'none';
  create(): ProviderBreaker {
    return new NoBreaker();
  }
}

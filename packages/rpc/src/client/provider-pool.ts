import { createLogger } from '@stages/common';
import type { ProviderInstance, ProvidersUpdate, Registry } from '@stages/registry';

const log = createLogger('rpc.client.pool');

/**
 * The live provider list of one referenced service, as the registry last delivered it, plus whether that list
 * is stale (the registry lost its store and is serving the last known one). Tells its owner about every
 * provider that left, so channels, breakers and balancer state for it are released.
 */
export class ProviderPool {
  providers: readonly ProviderInstance[] = [];
  stale = false;
  /** False until the registry's first delivery: an empty list before it means "not known yet", not "none". */
  delivered = false;
  updates = 0;
  #unsubscribe: (() => void) | undefined;
  #waiters: (() => void)[] = [];

  constructor(
    readonly registry: Registry,
    readonly service: string,
    readonly onRemoved: (provider: ProviderInstance) => void,
  ) {}

  start(): void {
    this.#unsubscribe = this.registry.subscribe(this.service, (update) => this.#apply(update));
  }

  /** Resolves at the first delivery, or at `untilMs` (epoch ms) if none came by then. */
  waitReady(untilMs: number): Promise<void> {
    if (this.delivered) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, untilMs - Date.now()));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.push(done);
    });
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const w of this.#waiters.splice(0)) w();
  }

  #apply(update: ProvidersUpdate): void {
    const next = new Set(update.providers.map((p) => p.id));
    const gone = this.providers.filter((p) => !next.has(p.id));
    if (update.stale !== this.stale) {
      log.warn(
        { service: this.service, stale: update.stale },
        update.stale ? 'provider list is stale' : 'provider list is fresh again',
      );
    }
    // Frozen: filters remember their answer per list (ListMemo), so a list must never change in place.
    this.providers = Object.isFrozen(update.providers) ? update.providers : Object.freeze([...update.providers]);
    this.stale = update.stale;
    this.delivered = true;
    this.updates++;
    for (const p of gone) {
      log.info({ service: this.service, provider: p.id, address: `${p.host}:${p.port}` }, 'provider left');
      try {
        this.onRemoved(p);
      } catch (error) {
        log.warn({ err: error, provider: p.id }, 'releasing a removed provider failed');
      }
    }
    for (const w of this.#waiters.splice(0)) w();
  }
}

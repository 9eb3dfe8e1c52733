import type { Logger } from '@stages/common';
import type { ProvidersListener, ProvidersUpdate } from '../registry.js';
import { instruments, type RegistryStats, registryTracer } from './telemetry.js';

interface Entry {
  listener: ProvidersListener;
  /** Waiting for its first (asynchronous) delivery; publish() leaves it alone until then. */
  initial: boolean;
}

/**
 * The subscribers of one service in one registry, and the last list they were given. Every registry uses it,
 * so they all share the contract's delivery rules: the first delivery is asynchronous (never inside
 * `subscribe()`), each delivery is the full list, an unchanged list is not delivered twice, and a listener that
 * throws cannot starve the others.
 */
export class ServiceFeed {
  readonly #entries = new Set<Entry>();
  #last: ProvidersUpdate | undefined;
  #fingerprint = '';

  constructor(
    readonly registry: string,
    readonly service: string,
    private readonly logger: Logger,
    private readonly stats?: RegistryStats,
  ) {}

  get last(): ProvidersUpdate | undefined {
    return this.#last;
  }

  get size(): number {
    return this.#entries.size;
  }

  add(listener: ProvidersListener): () => void {
    const entry: Entry = { listener, initial: true };
    this.#entries.add(entry);
    if (this.#last) this.#scheduleInitial(entry);
    return () => {
      this.#entries.delete(entry);
    };
  }

  /** Delivers the full list to everyone, unless it equals the last delivered one. Returns whether it did. */
  publish(update: ProvidersUpdate): boolean {
    const fingerprint = `${update.stale ? 1 : 0}${JSON.stringify(update.providers)}`;
    const first = this.#last === undefined;
    if (!first && fingerprint === this.#fingerprint) return false;
    this.#last = { providers: Object.freeze([...update.providers]), stale: update.stale };
    this.#fingerprint = fingerprint;
    const span = registryTracer.startSpan('registry.update', {
      attributes: {
        'stages.registry': this.registry,
        'stages.service': this.service,
        'stages.providers': update.providers.length,
        'stages.stale': update.stale,
      },
    });
    instruments().updates.add(1, { registry: this.registry, stale: update.stale });
    if (this.stats) {
      this.stats.updates += 1;
      if (update.stale) this.stats.staleUpdates += 1;
    }
    for (const entry of this.#entries) {
      if (entry.initial) {
        // Subscribed before any list existed: this publish is its first delivery, still outside subscribe().
        if (first) this.#scheduleInitial(entry);
        continue;
      }
      this.#call(entry, this.#last);
    }
    span.end();
    return true;
  }

  clear(): void {
    this.#entries.clear();
  }

  #scheduleInitial(entry: Entry): void {
    setImmediate(() => {
      if (!this.#entries.has(entry) || !entry.initial) return;
      entry.initial = false;
      // The list current at delivery time, not at subscribe time: a publish in between is not lost.
      if (this.#last) this.#call(entry, this.#last);
    });
  }

  #call(entry: Entry, update: ProvidersUpdate): void {
    try {
      entry.listener(update);
    } catch (error) {
      this.logger.error({ err: error, service: this.service }, 'provider listener threw; other listeners unaffected');
    }
  }
}

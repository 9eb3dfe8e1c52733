import { createLogger, type Logger, StagesError } from '@stages/common';
import { parseProviderInstance, sortInstances } from '../instance.js';
import { ServiceFeed } from '../internal/feed.js';
import type { ProviderInstance, ProvidersListener, Registry } from '../registry.js';

/** A provider as written in config: where it is is required, the rest has defaults. */
export interface StaticProvider {
  service: string;
  host: string;
  port: number;
  id?: string;
  protocol?: string;
  version?: string;
  group?: string;
  zone?: string;
  weight?: number;
  tags?: readonly string[];
  methods?: readonly string[];
  metadata?: Readonly<Record<string, string>>;
}

export interface StaticRegistryOptions {
  providers: readonly StaticProvider[];
  logger?: Logger;
}

/**
 * A fixed list from config, for setups with no coordination service (stage 4: N app servers behind a proxy).
 * Read-only, like Spring Cloud's SimpleDiscoveryClient: `register`/`deregister` resolve without doing anything
 * (logged at debug), so the same app code runs whether or not a real registry is configured. Never stale; the
 * list changes only by restarting with new config.
 */
export class StaticRegistry implements Registry {
  readonly name = 'static';
  readonly readOnly = true;
  readonly #byService = new Map<string, readonly ProviderInstance[]>();
  readonly #feeds = new Map<string, ServiceFeed>();
  readonly #logger: Logger;
  #closed = false;

  constructor(options: StaticRegistryOptions) {
    this.#logger = options.logger ?? createLogger('registry.static');
    if (!Array.isArray(options?.providers)) {
      throw new StagesError('CONFIG_INVALID', 'static registry: providers must be an array', {
        details: { field: 'providers' },
      });
    }
    const grouped = new Map<string, ProviderInstance[]>();
    options.providers.forEach((entry, index) => {
      const instance = toInstance(entry, index);
      const list = grouped.get(instance.service) ?? [];
      if (list.some((other) => other.id === instance.id)) {
        throw new StagesError('CONFIG_INVALID', `static registry: providers[${index}] repeats id "${instance.id}"`, {
          details: { field: `providers[${index}].id` },
        });
      }
      list.push(instance);
      grouped.set(instance.service, list);
    });
    for (const [service, list] of grouped) this.#byService.set(service, Object.freeze(sortInstances(list)));
  }

  async register(instance: ProviderInstance): Promise<void> {
    this.#logger.debug(
      { id: instance?.id, service: instance?.service },
      'static registry is read-only; not registered',
    );
  }

  async deregister(instanceId: string): Promise<void> {
    this.#logger.debug({ id: instanceId }, 'static registry is read-only; nothing to deregister');
  }

  subscribe(service: string, listener: ProvidersListener): () => void {
    this.#assertOpen();
    let feed = this.#feeds.get(service);
    if (!feed) {
      feed = new ServiceFeed(this.name, service, this.#logger);
      this.#feeds.set(service, feed);
      feed.publish({ providers: this.#byService.get(service) ?? [], stale: false });
    }
    return feed.add(listener);
  }

  async lookup(service: string): Promise<readonly ProviderInstance[]> {
    this.#assertOpen();
    return this.#byService.get(service) ?? [];
  }

  async services(): Promise<readonly string[]> {
    this.#assertOpen();
    return [...this.#byService.keys()].sort();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const feed of this.#feeds.values()) feed.clear();
    this.#feeds.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StagesError('FAILED_PRECONDITION', 'static registry is closed');
  }
}

function toInstance(entry: StaticProvider, index: number): ProviderInstance {
  const candidate = {
    id: entry?.id ?? `${entry?.host}:${entry?.port}`,
    service: entry?.service,
    host: entry?.host,
    port: entry?.port,
    protocol: entry?.protocol ?? 'grpc',
    version: entry?.version ?? '',
    group: entry?.group ?? '',
    ...(entry?.zone === undefined ? {} : { zone: entry.zone }),
    weight: entry?.weight ?? 100,
    tags: entry?.tags ?? [],
    methods: entry?.methods ?? [],
    // Configured providers are assumed warm: a start time of 0 means no warm-up ramp.
    startTime: 0,
    metadata: entry?.metadata ?? {},
  };
  const result = parseProviderInstance(candidate);
  if (!result.ok) {
    throw new StagesError('CONFIG_INVALID', `static registry: providers[${index}]: ${result.reason}`, {
      details: { field: `providers[${index}]`, reason: result.reason },
    });
  }
  return result.instance;
}

import type { ProviderInstance, ProvidersUpdate, Registry } from '../src/index.js';

let seq = 0;

/** A valid provider instance; ids are unique per call unless given. */
export function instance(overrides: Partial<ProviderInstance> & { service: string }): ProviderInstance {
  seq += 1;
  const port = overrides.port ?? 20_000 + seq;
  return {
    id: `127.0.0.1:${port}:${seq}`,
    host: '127.0.0.1',
    port,
    protocol: 'grpc',
    version: '1.0.0',
    group: '',
    weight: 100,
    tags: [],
    methods: ['get'],
    startTime: 1_700_000_000_000,
    metadata: {},
    ...overrides,
  };
}

export const ids = (update: ProvidersUpdate | readonly ProviderInstance[]) =>
  ('providers' in update ? update.providers : update).map((p) => p.id).sort();

/**
 * Subscribes and records every update; `until` waits for one matching a predicate (or times out with the
 * updates seen so far in the message, which is what you want to read when it fails).
 */
export function watch(registry: Registry, service: string) {
  const updates: ProvidersUpdate[] = [];
  const waiters = new Set<() => void>();
  const stop = registry.subscribe(service, (update) => {
    updates.push(update);
    for (const wake of [...waiters]) wake();
  });
  return {
    updates,
    stop,
    get last() {
      return updates.at(-1);
    },
    until(predicate: (update: ProvidersUpdate) => boolean, timeoutMs = 10_000): Promise<ProvidersUpdate> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const last = updates.at(-1);
          if (last && predicate(last)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(last);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = updates.map((u) => `${u.stale ? 'stale ' : ''}[${ids(u).join(',')}]`).join(' ; ');
          reject(new Error(`no matching update for ${service} within ${timeoutMs} ms; saw: ${seen}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

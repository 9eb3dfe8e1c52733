import type { ProviderInstance } from '../registry.js';

interface Held {
  instance: ProviderInstance;
  /** The registry that wrote it; its close() removes it, like a ZooKeeper session ending. */
  owner: symbol;
}

/**
 * The shared state behind in-memory registries. Several "apps" in one process (a monolith, or a test that starts
 * a provider and a consumer side by side) see each other when they share a store; `InMemoryStore.shared` is the
 * process-wide default so a monolith needs no wiring at all.
 */
export class InMemoryStore {
  static readonly shared = new InMemoryStore();

  readonly #services = new Map<string, Map<string, Held>>();
  readonly #watchers = new Map<string, Set<() => void>>();

  put(instance: ProviderInstance, owner: symbol): void {
    let byId = this.#services.get(instance.service);
    if (!byId) {
      byId = new Map();
      this.#services.set(instance.service, byId);
    }
    byId.set(instance.id, { instance, owner });
    this.#notify(instance.service);
  }

  remove(service: string, id: string): boolean {
    const byId = this.#services.get(service);
    if (!byId?.delete(id)) return false;
    if (byId.size === 0) this.#services.delete(service);
    this.#notify(service);
    return true;
  }

  /** Everything one owner wrote, so its registry can take it all down on close. */
  ownedBy(owner: symbol): ProviderInstance[] {
    const owned: ProviderInstance[] = [];
    for (const byId of this.#services.values()) {
      for (const held of byId.values()) if (held.owner === owner) owned.push(held.instance);
    }
    return owned;
  }

  list(service: string): ProviderInstance[] {
    return [...(this.#services.get(service)?.values() ?? [])].map((held) => held.instance);
  }

  services(): string[] {
    return [...this.#services.keys()].sort();
  }

  /** Called (synchronously, after the change) whenever the service's list changes. */
  watch(service: string, onChange: () => void): () => void {
    let set = this.#watchers.get(service);
    if (!set) {
      set = new Set();
      this.#watchers.set(service, set);
    }
    set.add(onChange);
    return () => {
      set.delete(onChange);
      if (set.size === 0) this.#watchers.delete(service);
    };
  }

  #notify(service: string): void {
    for (const onChange of [...(this.#watchers.get(service) ?? [])]) onChange();
  }
}

import { StagesError } from '@stages/common';
import type { ProviderInstance, ProvidersListener, Registry } from '@stages/registry';
import type { ClientTransport, OutgoingCall } from '../../src/transport/transport.js';

let port = 7000;

export function provider(id: string, extra: Partial<ProviderInstance> = {}): ProviderInstance {
  return {
    id,
    service: 'catalog',
    host: '127.0.0.1',
    port: port++,
    protocol: 'fake',
    version: '1.0.0',
    group: '',
    weight: 100,
    tags: [],
    methods: [],
    startTime: 0,
    metadata: {},
    ...extra,
  };
}

/** A registry over a mutable list: `set()` delivers the new list to subscribers, like a real one would. */
export class FakeRegistry implements Registry {
  readonly name = 'fake';
  #providers: ProviderInstance[];
  #stale = false;
  readonly #listeners = new Set<ProvidersListener>();

  constructor(providers: ProviderInstance[] = []) {
    this.#providers = providers;
  }

  set(providers: ProviderInstance[], stale = false): void {
    this.#providers = providers;
    this.#stale = stale;
    for (const l of this.#listeners) l({ providers, stale });
  }

  async register(): Promise<void> {}
  async deregister(): Promise<void> {}
  subscribe(_service: string, listener: ProvidersListener): () => void {
    this.#listeners.add(listener);
    queueMicrotask(() => listener({ providers: this.#providers, stale: this.#stale }));
    return () => this.#listeners.delete(listener);
  }
  async lookup(): Promise<readonly ProviderInstance[]> {
    return this.#providers;
  }
  async services(): Promise<readonly string[]> {
    return ['catalog'];
  }
  async close(): Promise<void> {}
}

type Behaviour = (call: OutgoingCall, provider: ProviderInstance) => unknown | Promise<unknown>;

/** Records every call; each provider answers with its behaviour (default: echo its id). */
export class FakeTransport implements ClientTransport {
  readonly protocol = 'fake';
  readonly calls: { provider: string; call: OutgoingCall }[] = [];
  readonly released: string[] = [];
  readonly behaviours = new Map<string, Behaviour>();

  on(id: string, behaviour: Behaviour): this {
    this.behaviours.set(id, behaviour);
    return this;
  }

  async invoke(p: ProviderInstance, call: OutgoingCall): Promise<unknown> {
    this.calls.push({ provider: p.id, call });
    const b = this.behaviours.get(p.id);
    return b ? await b(call, p) : { from: p.id };
  }

  release(p: ProviderInstance): void {
    this.released.push(p.id);
  }

  async close(): Promise<void> {}

  count(id: string): number {
    return this.calls.filter((c) => c.provider === id).length;
  }
}

export const unavailable = () => {
  throw new StagesError('UNAVAILABLE', 'connection refused');
};

/** Resolves when the call's signal aborts, rejecting with CANCELLED; never answers otherwise. */
export const hang = (call: OutgoingCall) =>
  new Promise((_resolve, reject) => {
    call.signal?.addEventListener('abort', () => reject(new StagesError('CANCELLED', 'aborted')), { once: true });
  });

/** Deterministic [0, 1) sequence for balancer tests. */
export function seeded(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

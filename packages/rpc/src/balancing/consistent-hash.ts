import type { ProviderInstance } from '@stages/registry';
import type { Balancer, CallInfo } from './balancer.js';

export interface ConsistentHashOptions {
  /** Points on the ring per provider; more points spread keys more evenly. Default 160 (Dubbo's). */
  virtualNodes?: number;
}

interface Ring {
  readonly signature: string;
  readonly points: Uint32Array;
  readonly owners: ProviderInstance[];
}

/**
 * Sends every call with the same key to the same provider (sticky caches, per-entity ordering). Each provider
 * owns `virtualNodes` points on a 32-bit ring; a key goes to the first point at or after its hash. Adding or
 * removing one of N providers therefore moves only about 1/N of the keys, unlike `hash % N`, which moves most.
 * Weights do not apply: stickiness is the point. A call without a key falls back to the first point after a
 * random one, i.e. a uniform random pick.
 */
export class ConsistentHashBalancer implements Balancer {
  readonly name = 'consistent-hash';
  readonly #virtualNodes: number;
  // A few rings, not one: calls with different tags see different filtered lists, and alternating between
  // two lists must not rebuild a ring on every call.
  readonly #rings = new Map<string, Ring>();
  #last: Ring | undefined;

  constructor(options: ConsistentHashOptions = {}) {
    this.#virtualNodes = Math.max(1, Math.floor(options.virtualNodes ?? 160));
  }

  pick(providers: readonly ProviderInstance[], call: CallInfo): ProviderInstance | undefined {
    if (providers.length <= 1) return providers[0];
    const ring = this.#ringFor(providers);
    const point = call.hashKey === undefined ? (Math.random() * 0x100000000) >>> 0 : hash32(call.hashKey);
    return ring.owners[search(ring.points, point)];
  }

  #ringFor(providers: readonly ProviderInstance[]): Ring {
    // The filtered list is a new array on every call; rebuild only when its membership changed.
    let signature = '';
    for (const p of providers) signature += `${p.id}\u0000`;
    if (this.#last?.signature === signature) return this.#last;
    const cached = this.#rings.get(signature);
    if (cached) {
      this.#last = cached;
      return cached;
    }
    const entries: [number, ProviderInstance][] = [];
    for (const p of providers) {
      for (let i = 0; i < this.#virtualNodes; i++) entries.push([hash32(`${p.id}#${i}`), p]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    const ring: Ring = {
      signature,
      points: Uint32Array.from(entries, (e) => e[0]),
      owners: entries.map((e) => e[1]),
    };
    if (this.#rings.size >= 8) this.#rings.delete(this.#rings.keys().next().value!);
    this.#rings.set(signature, ring);
    this.#last = ring;
    return ring;
  }
}

/**
 * FNV-1a, then murmur3's finaliser. Runs on every call, so no crypto hash (md5 cost more than the rest of the
 * call path); the finaliser spreads similar keys (`cart-1`, `cart-2`) over the whole ring, which FNV alone does not.
 */
export function hash32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Index of the first point >= value, wrapping to 0 past the end. */
function search(points: Uint32Array, value: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo === points.length ? 0 : lo;
}

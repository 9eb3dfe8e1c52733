import { createHash } from 'node:crypto';
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
  #ring: Ring | undefined;

  constructor(options: ConsistentHashOptions = {}) {
    this.#virtualNodes = Math.max(4, Math.ceil((options.virtualNodes ?? 160) / 4) * 4);
  }

  pick(providers: readonly ProviderInstance[], call: CallInfo): ProviderInstance | undefined {
    if (providers.length <= 1) return providers[0];
    const ring = this.#ringFor(providers);
    const point = call.hashKey === undefined ? (Math.random() * 0x100000000) >>> 0 : hashPoints(call.hashKey)[0]!;
    return ring.owners[search(ring.points, point)];
  }

  #ringFor(providers: readonly ProviderInstance[]): Ring {
    // The filtered list is a new array on every call; rebuild only when its membership changed.
    let signature = '';
    for (const p of providers) signature += `${p.id}\u0000`;
    if (this.#ring?.signature === signature) return this.#ring;
    const entries: [number, ProviderInstance][] = [];
    for (const p of providers) {
      // md5 gives four well-mixed 32-bit points per digest, so 160 points cost 40 hashes per provider.
      for (let i = 0; i < this.#virtualNodes / 4; i++) {
        for (const point of hashPoints(`${p.id}#${i}`)) entries.push([point, p]);
      }
    }
    entries.sort((a, b) => a[0] - b[0]);
    this.#ring = {
      signature,
      points: Uint32Array.from(entries, (e) => e[0]),
      owners: entries.map((e) => e[1]),
    };
    return this.#ring;
  }
}

function hashPoints(key: string): [number, number, number, number] {
  const d = createHash('md5').update(key).digest();
  return [d.readUInt32LE(0), d.readUInt32LE(4), d.readUInt32LE(8), d.readUInt32LE(12)];
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

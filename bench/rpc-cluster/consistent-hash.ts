/**
 * How many keys move when a provider joins: the consistent-hash balancer (160 virtual nodes) against the naive
 * `hash(key) % N`, and how evenly keys spread. Not a timing: a property of the ring, printed as figures.
 * Run: node --import @swc-node/register/esm-register bench/rpc-cluster/consistent-hash.ts
 */
import type { ProviderInstance } from '@stages/registry';
import { ConsistentHashBalancer, hash32 } from '../../packages/rpc/src/balancing/consistent-hash.js';

const provider = (i: number): ProviderInstance => ({
  id: `10.0.0.${i}:9000:${1000 + i}`,
  service: 'cart',
  host: `10.0.0.${i}`,
  port: 9000,
  protocol: 'grpc',
  version: '1.0.0',
  group: '',
  weight: 100,
  tags: [],
  methods: [],
  startTime: 0,
  metadata: {},
});
const KEYS = 100_000;
const call = (k: number) => ({ service: 'cart', method: 'get', payload: null, tags: [], hashKey: `user-${k}` });

for (const n of [2, 3, 4, 9]) {
  const before = Array.from({ length: n }, (_, i) => provider(i));
  const after = [...before, provider(n)];
  const ring = new ConsistentHashBalancer({ virtualNodes: 160 });
  const owners = Array.from({ length: KEYS }, (_, k) => ring.pick(before, call(k))!.id);
  let moved = 0;
  let movedModulo = 0;
  const spread = new Map<string, number>();
  for (let k = 0; k < KEYS; k++) {
    const now = ring.pick(after, call(k))!.id;
    if (now !== owners[k]) moved++;
    spread.set(now, (spread.get(now) ?? 0) + 1);
    const h = hash32(`user-${k}`);
    if (h % n !== h % (n + 1)) movedModulo++;
  }
  const shares = [...spread.values()].map((v) => (v / KEYS) * 100);
  console.log(
    `${n} -> ${n + 1} providers: ring moved ${((moved / KEYS) * 100).toFixed(1)}% of keys (ideal ${(100 / (n + 1)).toFixed(1)}%), ` +
      `hash % N moved ${((movedModulo / KEYS) * 100).toFixed(1)}% (ratio ${(movedModulo / moved).toFixed(1)}x); ` +
      `share per provider ${Math.min(...shares).toFixed(1)}%..${Math.max(...shares).toFixed(1)}%`,
  );
}

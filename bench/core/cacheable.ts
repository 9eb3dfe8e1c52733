// What core's @Cacheable costs over calling the app cache by hand, on the hot path (a level-1 hit), same run.
//   node --import @swc-node/register/esm-register bench/core/cacheable.ts
// Compared: cache.getOrLoad(key) by hand; @stages/cache's @Cacheable with the cache passed in; core's @Cacheable
// (cache found through the instance's app stamp, key from the request object as sorted JSON, and with a key fn).
import { Cacheable as LeafCacheable } from '@stages/cache';
import { Cacheable, defineApi, Rpc, Service, Stages } from '@stages/core';

process.env.STAGES_LOG_LEVEL ??= 'warn';
const ROUNDS = 5;
const OPS = 200_000;
const KEYS = 1_000;
const value = { id: 42, name: 'Widget', price: 9.99 };
const load = async () => value;

interface Api {
  byJson(req: { id: number }): Promise<unknown>;
}
const Api = defineApi<Api>('bench');

@Service({ name: 'bench' })
class BenchService {
  @Rpc()
  @Cacheable({ namespace: 'json' })
  async byJson(_req: { id: number }) {
    return load();
  }

  @Cacheable({ namespace: 'keyed', key: (req: { id: number }) => String(req.id) })
  async byKey(_req: { id: number }) {
    return load();
  }
}

const app = await Stages.create({
  services: [BenchService],
  config: { admin: { enabled: false } },
  handleSignals: false,
}).start();
const raw = app.cache.namespace('raw');
const leafCache = app.cache.namespace('leaf');
class LeafService {
  @LeafCacheable({ cache: leafCache, key: (req: { id: number }) => String(req.id) })
  async byKey(_req: { id: number }) {
    return load();
  }
}
// The app's singleton: one call through the app hands it out, which stamps it with the app's cache.
await app.client<Api>(Api).byJson({ id: 0 });
const stamped = app.container.root.resolve(BenchService);
const leaf = new LeafService();
const requests = Array.from({ length: KEYS }, (_, id) => ({ id }));

const paths: { name: string; op: (i: number) => Promise<unknown> }[] = [
  { name: 'cache.getOrLoad by hand', op: (i) => raw.getOrLoad(String(i % KEYS), load) },
  { name: '@stages/cache @Cacheable', op: (i) => leaf.byKey(requests[i % KEYS]!) },
  { name: 'core @Cacheable, key fn', op: (i) => stamped.byKey(requests[i % KEYS]!) },
  { name: 'core @Cacheable, JSON key', op: (i) => stamped.byJson(requests[i % KEYS]!) },
];

for (const p of paths) for (let i = 0; i < KEYS; i++) await p.op(i); // fill level 1
const best = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  for (const p of paths) {
    const t = performance.now();
    for (let i = 0; i < OPS; i++) await p.op(i);
    const rate = OPS / ((performance.now() - t) / 1000);
    best.set(p.name, Math.max(best.get(p.name) ?? 0, rate));
  }
}
const base = best.get(paths[0]!.name)!;
for (const p of paths) {
  const rate = best.get(p.name)!;
  console.log(`${p.name.padEnd(28)} ${(rate / 1e6).toFixed(2)}M ops/s  ${(rate / base).toFixed(2)}x of by-hand`);
}
await app.stop();

import { ConsistentHashBalancer } from '../../packages/rpc/src/balancing/consistent-hash.js';

const mk = (id: string) => ({
  id,
  service: 's',
  host: 'h',
  port: 1,
  protocol: 'p',
  version: '1.0.0',
  group: '',
  weight: 100,
  tags: [],
  methods: [],
  startTime: 0,
  metadata: {},
});
const b = new ConsistentHashBalancer();
for (const n of [3, 4, 9]) {
  const before = Array.from({ length: n }, (_, i) => mk(`10.0.0.${i}:9000`));
  const after = [...before, mk(`10.0.0.${n}:9000`)];
  let moved = 0;
  const N = 100000;
  const spread = new Map<string, number>();
  for (let k = 0; k < N; k++) {
    const c = { service: 's', method: 'm', payload: null, tags: [], hashKey: `user-${k}` };
    const x = b.pick(before, c)!.id;
    const y = b.pick(after, c)!.id;
    if (x !== y) moved++;
    spread.set(y, (spread.get(y) ?? 0) + 1);
  }
  const shares = [...spread.values()].map((v) => v / N);
  console.log(
    `${n}->${n + 1}: moved ${((moved / N) * 100).toFixed(1)}% (ideal ${(100 / (n + 1)).toFixed(1)}%), share min ${(Math.min(...shares) * 100).toFixed(1)}% max ${(Math.max(...shares) * 100).toFixed(1)}%`,
  );
}

#!/usr/bin/env node
// Runs the benchmarks one after another (never in parallel: they measure the machine) and prints each one's own
// report, which compares a Stages path against the raw library in the same run.
//   npm run bench               every benchmark
//   npm run bench -- rpc cache  only those areas
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// area -> entry points; helper modules (servers, clients, fixtures) are started by these.
const BENCHES = {
  rpc: ['bench/rpc/echo.ts', 'bench/rpc/latency.ts'],
  'rpc-cluster': [
    'bench/rpc-cluster/client-overhead.ts',
    'bench/rpc-cluster/consistent-hash.ts',
    'bench/rpc-cluster/slow-provider.ts',
  ],
  registry: ['bench/registry/propagation.ts'],
  config: ['bench/config/propagation.ts'],
  cache: ['bench/cache/paths.ts'],
  data: ['bench/data/point-query.ts'],
  gateway: ['bench/gateway/throughput.ts'],
  core: ['bench/core/monolith-call.ts'],
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark area: ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const [area, files] of Object.entries(BENCHES)) {
  if (wanted.length > 0 && !wanted.includes(area)) continue;
  for (const file of files) {
    console.log(`\n=== ${file}`);
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--import', '@swc-node/register/esm-register', file], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { STAGES_LOG_LEVEL: 'warn', ...process.env },
    });
    console.log(
      `=== ${file}: ${run.status === 0 ? 'done' : `FAILED (${run.status ?? run.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    if (run.status !== 0) failed++;
  }
}
process.exit(failed === 0 ? 0 : 1);

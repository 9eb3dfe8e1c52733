// Build stage, last step: copies what the shop needs at runtime into one directory (argv[2]) for the runtime
// stage: production node_modules (dev dependencies pruned), each workspace's package.json + dist (the
// node_modules/@stages/* links point at them), and the shop's compiled code, page and profiles. In Node, not
// shell, because the build image has no coreutils.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? '/out';
const npm = (...args) => execFileSync('npm', args, { stdio: 'inherit' });
// Only the shop workspace's production tree (not the benchmarks', not the dev tools').
npm('prune', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund');

mkdirSync(out, { recursive: true });
const copy = (from) => existsSync(from) && cpSync(from, join(out, from), { recursive: true, verbatimSymlinks: true });
copy('package.json');
copy('node_modules');
for (const dir of ['packages', 'test']) {
  for (const ws of readdirSync(dir)) {
    const base = dir === 'test' ? join(dir, 'harness') : join(dir, ws);
    copy(join(base, 'package.json'));
    copy(join(base, 'dist'));
    // Dependencies npm could not hoist (another version at the root) live beside the workspace.
    copy(join(base, 'node_modules'));
    if (dir === 'test') break;
  }
}
copy('examples/shop/package.json');
copy('examples/shop/dist');
copy('examples/shop/config');
copy('examples/shop/deploy/profile.yaml');
cpSync('examples/shop/src/gateway/storefront.html', join(out, 'examples/shop/dist/gateway/storefront.html'));

// What only compilers, editors and debuggers read: about 55 MB of the ~120 MB tree. better-sqlite3's C sources
// go too: the image never compiles them (npm ci --ignore-scripts), so SQLite is not available in the image.
const dropFile = /\.(map|d\.ts|d\.mts|d\.cts|md|markdown)$/i;
const dropDir = new Set(['@types']);
const prune = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      if (dropDir.has(entry.name)) rmSync(path, { recursive: true, force: true });
      else prune(path);
    } else if (dropFile.test(entry.name) && !/^license/i.test(entry.name)) rmSync(path, { force: true });
  }
};
prune(out);
for (const dir of ['node_modules/better-sqlite3/deps', 'node_modules/better-sqlite3/src']) {
  rmSync(join(out, dir), { recursive: true, force: true });
}
writeFileSync(join(out, 'BUILD'), `built ${new Date().toISOString()}\n`);

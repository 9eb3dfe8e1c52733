import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineLock } from './support/offline-lock.js';

/**
 * The whole user path: `create-stages-service` (the built bin), `npm ci` against this repository's packages
 * packed as tarballs (no registry: every other package comes from the npm cache at the version this repo
 * locked), `npm test` in the new project (tsc, then node:test starting the real app). About 60-90 s on a
 * shared 2-core machine: most of it is npm ci (~20 s) and two tsc runs (~15-25 s each).
 */
const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'packages/create-stages-service/bin/create-stages-service.mjs');
const PACKAGES = ['common', 'registry', 'rpc', 'config', 'cache', 'data', 'esb', 'core'];

let work: string;
const timings: Record<string, number> = {};
async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await fn();
  } finally {
    timings[label] = Date.now() - start;
  }
}
const env = { ...process.env, STAGES_LOG_LEVEL: 'warn', npm_config_update_notifier: 'false' };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'stages-scaffold-'));
  // dist is what gets packed and what the bin imports; incremental, so a no-op after `npm run build`.
  await timed('build', () =>
    run(join(REPO, 'node_modules/.bin/tsc'), ['-b', 'packages/core', 'packages/create-stages-service'], { cwd: REPO }),
  );
  await mkdir(join(work, 'packs'));
  await timed('pack', () =>
    run(
      'npm',
      [
        'pack',
        '--silent',
        '--pack-destination',
        join(work, 'packs'),
        ...PACKAGES.flatMap((p) => ['-w', `@stages/${p}`]),
      ],
      {
        cwd: REPO,
        env,
      },
    ),
  );
}, 240_000);

afterAll(async () => {
  console.log(`scaffold test timings (ms): ${JSON.stringify(timings)}`);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('npm create stages-service, installed offline against this repository', () => {
  it('generates a JSON-mode project with cache, data and events that installs, builds and passes its test', async () => {
    const packs = join(work, 'packs');
    const created = await timed('create', () =>
      run(
        process.execPath,
        [BIN, 'shop-notes', '--mode', 'json', '--with', 'cache,data,events', '--local-packages', packs],
        {
          cwd: work,
          env,
        },
      ),
    );
    expect(created.stdout).toContain('Created shop-notes (json, cache, data, events)');
    const dir = join(work, 'shop-notes');
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(pkg.dependencies['@stages/core']).toMatch(/^file:.*stages-core-0\.1\.0\.tgz$/);

    const tarballs = new Map(PACKAGES.map((p) => [`@stages/${p}`, join(packs, `stages-${p}-0.1.0.tgz`)]));
    const repoLock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8'));
    await writeFile(join(dir, 'package-lock.json'), JSON.stringify(offlineLock(repoLock, pkg, dir, tarballs), null, 2));
    await timed('npm ci', () =>
      run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, env }),
    );
    // better-sqlite3's install script would download a prebuilt binary (no network here): reuse the repo's,
    // built for this same Node.
    const release = join(dir, 'node_modules/better-sqlite3/build/Release');
    await mkdir(release, { recursive: true });
    await copyFile(
      join(REPO, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
      join(release, 'better_sqlite3.node'),
    );

    const test = await timed('json npm test', () => run('npm', ['test'], { cwd: dir, env }));
    expect(test.stdout).toMatch(/^# pass 3$/m);
    expect(test.stdout).toMatch(/^# fail 0$/m);
  }, 240_000);

  it('generates an IDL-mode project whose test calls it with a plain gRPC client built from its .proto', async () => {
    await run(process.execPath, [BIN, 'ledger', '--mode', 'idl', '--with', 'none'], { cwd: work, env });
    const dir = join(work, 'ledger');
    // Same packages as the first project (a superset, grpc-js included): link them rather than install twice.
    await symlink(join(work, 'shop-notes/node_modules'), join(dir, 'node_modules'));
    const test = await timed('idl npm test', () => run('npm', ['test'], { cwd: dir, env }));
    expect(test.stdout).toMatch(/^# pass 3$/m);
    expect(test.stdout).toMatch(/^# fail 0$/m);
  }, 120_000);
});

import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '@stages/test-harness';
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

/** The generated project's package-lock.json, derived from this repository's (see offline-lock.ts). */
async function writeLock(dir: string): Promise<void> {
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  // --local-packages copied the tarballs into the project's vendor/.
  const tarballs = new Map(PACKAGES.map((p) => [`@stages/${p}`, join(dir, 'vendor', `stages-${p}-0.1.0.tgz`)]));
  const repoLock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8'));
  await writeFile(join(dir, 'package-lock.json'), JSON.stringify(offlineLock(repoLock, pkg, dir, tarballs), null, 2));
}
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
    expect(pkg.dependencies['@stages/core']).toBe('file:vendor/stages-core-0.1.0.tgz');

    await writeLock(dir);
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

  // The generated Dockerfile, built and run for real. ~2 min (the image build is most of it), so only with
  // STAGES_CONTAINER_TESTS=1, like the shop's container test.
  it.skipIf(process.env.STAGES_CONTAINER_TESTS !== '1')(
    'builds the generated Dockerfile offline and the container serves, reports healthy and drains on SIGTERM',
    async () => {
      const packs = join(work, 'packs');
      await run(process.execPath, [BIN, 'boxed', '--yes', '--local-packages', packs], { cwd: work, env });
      const dir = join(work, 'boxed');
      await writeLock(dir);
      const image = `localhost/stages/scaffold-test:${process.pid}`;
      const podman = (...args: string[]) => run('podman', ['--runtime', 'runc', ...args], { maxBuffer: 64 << 20 });
      await timed('base images', () => run('bash', [join(REPO, 'scripts/build-base-image.sh')]));
      await timed('image build', () =>
        podman(
          'build',
          '--pull=never',
          '--format',
          'docker',
          '--ulimit',
          'nofile=4096:4096',
          '--ulimit',
          'nproc=4096:4096',
          '-v',
          `${process.env.npm_config_cache ?? join(process.env.HOME ?? '/root', '.npm')}:/root/.npm:O`,
          '--build-arg',
          'NPM_CI_FLAGS=--offline --ignore-scripts',
          '-t',
          image,
          dir,
        ),
      );
      const name = `stages-scaffold-${process.pid}`;
      const admin = await freePort();
      try {
        // The image's config listens on 9090; on the host network take a free port instead.
        await podman(
          'run',
          '-d',
          '--name',
          name,
          '--network',
          'host',
          '--ulimit',
          'nofile=4096:4096',
          '--ulimit',
          'nproc=4096:4096',
          '-e',
          `STAGES__ADMIN__PORT=${admin}`,
          image,
        );
        const deadline = Date.now() + 30_000;
        let status = 0;
        while (status !== 200 && Date.now() < deadline) {
          status = await fetch(`http://127.0.0.1:${admin}/health/ready`).then(
            (r) => r.status,
            () => 0,
          );
          if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(status).toBe(200);
        // The image's HEALTHCHECK command, run inside the container: exit 0 only when ready.
        await podman('healthcheck', 'run', name);
        const { stdout: user } = await podman('inspect', '--format', '{{.Config.User}}', name);
        expect(user.trim()).toBe('10001:10001');
        const { stdout: size } = await podman('image', 'inspect', '--format', '{{.Size}}', image);
        timings['image bytes'] = Number(size.trim());
        await podman('kill', '--signal', 'TERM', name);
        const { stdout: code } = await podman('wait', name);
        expect(code.trim()).toBe('0');
        const { stdout, stderr } = await podman('logs', name);
        expect(stdout + stderr).toMatch(/"msg":"server drained"/);
      } finally {
        await podman('rm', '-f', '-t', '0', name).catch(() => {});
        await podman('rmi', '-f', image).catch(() => {});
      }
    },
    600_000,
  );
});

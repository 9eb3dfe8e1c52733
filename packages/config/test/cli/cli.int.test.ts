import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfig, toJsonSchema } from '../../src/index.js';
import { ordersSchema, tempDir } from '../fixtures/helpers.js';

// The repository root, wherever it was cloned (CI clones it somewhere else).
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const BIN = 'packages/config/src/cli/bin.ts';
const WRITER = 'ops:s3cret';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `stages-config` command in its own Node process, as an operator runs it. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', BIN, ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, STAGES_CONFIG_CREDENTIAL: '', USER: 'alice', ...env },
        timeout: 30_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('stages config CLI against a real ZooKeeper', { timeout: 180_000 }, () => {
  let zk: ZooKeeperCluster;
  let base: string[];
  const dir = tempDir();

  beforeAll(async () => {
    zk = await startZooKeeper();
    base = ['--zk', zk.connectionString, '--namespace', 'cli', '--app', 'orders'];
    // An instance with the write credential registers its schema at start, as a deploy would.
    const instance = await createConfig({
      schema: ordersSchema,
      defaults: { db: { pool: { max: 1 } } },
      env: false,
      central: {
        zookeeper: zk.connectionString,
        namespace: 'cli',
        app: 'orders',
        snapshotPath: false,
        registerSchema: true,
        credential: WRITER,
      },
    });
    await instance.close();
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('publishes, sets, reads, lists history, diffs and rolls back, masking secrets', async () => {
    const file = join(dir, 'orders.yaml');
    writeFileSync(file, 'db:\n  pool:\n    max: 8\n  dsn: postgres://u:pw@db/orders\ngreeting: hi\n');
    const published = await cli(['config', ...base, '--credential', WRITER, '--message', 'first', 'publish', file]);
    expect(published).toMatchObject({ code: 0, stdout: 'published cli/orders v1\n' });

    expect((await cli(['config', ...base, '--credential', WRITER, 'set', 'db.pool.max', '12'])).code).toBe(0);

    // Reads do not change anything: run them side by side (each is a cold Node start).
    const [got, all, history, diff] = await Promise.all([
      cli(['config', ...base, '--json', 'get', 'db.pool.max']),
      cli(['config', ...base, 'get']),
      cli(['config', ...base, 'history']),
      cli(['config', ...base, 'diff', '1', '2']),
    ]);
    expect(JSON.parse(got.stdout)).toEqual({ key: 'db.pool.max', value: 12, layer: 'app', version: 2 });
    expect(all.stdout).toMatch(/^KEY\s+VALUE\s+LAYER\s+VERSION\n-+/);
    expect(all.stdout).toMatch(/db\.dsn\s+\*{6}\s+app\s+v2/);
    expect(all.stdout).not.toContain('pw@db');
    expect(history.stdout).toMatch(/v2\s+publish\s+alice\s+\S+ \S+\s+set db\.pool\.max\s+current/);
    expect(history.stdout).toMatch(/v1\s+publish\s+alice\s+.*first/);
    expect(diff.stdout).toMatch(/db\.pool\.max\s+8\s+12\s+changed/);
    expect(diff.stdout.split('\n').filter(Boolean)).toHaveLength(3);

    const rolled = await cli(['config', ...base, '--credential', WRITER, 'rollback', 'v1']);
    expect(rolled).toMatchObject({ code: 0, stdout: 'rolled back: cli/orders v3\n' });
    expect(JSON.parse((await cli(['config', ...base, '--json', 'get', 'db.pool.max'])).stdout)).toMatchObject({
      value: 8,
      version: 3,
    });
  });

  it('refuses an unknown key, an invalid value, a missing credential and an unreachable store, with distinct exit codes', async () => {
    // Independent refusals, run side by side: each is a cold Node start.
    const [unknown, invalid, denied, missing, down, usage] = await Promise.all([
      cli(['config', ...base, '--credential', WRITER, 'set', 'db.pool.mx', '3']),
      cli(['config', ...base, '--credential', WRITER, 'set', 'db.pool.max', 'lots']),
      cli(['config', ...base, 'set', 'greeting', 'hacked']),
      cli(['config', ...base, 'diff', '1', '99']),
      cli(['config', '--zk', '127.0.0.1:1', '--timeout', '300', 'get', 'x']),
      cli(['config', 'frobnicate']),
    ]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('unknown key "db.pool.mx"');
    expect(invalid.code).toBe(4);
    expect(invalid.stderr).toMatch(/invalid value: db\.pool\.max: .*expected number/);
    expect(denied.code).toBe(5);
    expect(denied.stderr).toContain('PERMISSION_DENIED');
    expect(missing.code).toBe(3);
    expect(down.code).toBe(6);
    expect(usage.code).toBe(2);
  });

  it('runs a gray release: gray, history shows it, promote', async () => {
    const file = join(dir, 'gray.yaml');
    writeFileSync(file, 'greeting: canary\n');
    const gray = await cli(['config', ...base, '--credential', WRITER, 'gray', file, '--tags', 'canary']);
    expect(gray).toMatchObject({ code: 0, stdout: 'gray (tags=canary): cli/orders v4\n' });
    expect((await cli(['config', ...base, 'history', '--limit', '1'])).stdout).toMatch(
      /v4\s+gray\s+.*gray \(tags=canary\)/,
    );
    expect((await cli(['config', ...base, '--credential', WRITER, 'promote'])).stdout).toBe(
      'promoted: cli/orders v4\n',
    );
    const [abandon, schema] = await Promise.all([
      cli(['config', ...base, '--credential', WRITER, 'abandon']),
      cli(['config', ...base, '--json', 'schema']),
    ]);
    expect(abandon.code).toBe(7);
    expect(JSON.parse(schema.stdout)).toEqual(toJsonSchema(ordersSchema));
  });
});

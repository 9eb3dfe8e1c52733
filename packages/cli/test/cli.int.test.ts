import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ProcessHandle, startProcess, startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The repository root, wherever it was cloned (CI clones it somewhere else).
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// The real binary, as a user runs it: a fresh Node process per command.
function stages(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['packages/cli/bin/stages.mjs', ...args],
      { cwd: REPO_ROOT, env: { ...process.env, STAGES_LOG_LEVEL: 'silent' }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('stages CLI against real ZooKeeper and a real provider', () => {
  let zk: ZooKeeperCluster;
  let provider: ProcessHandle;
  let zkArgs: string[];

  beforeAll(async () => {
    zk = await startZooKeeper();
    zkArgs = ['--zk', zk.connectionString, '--namespace', 'cli-test'];
    provider = await startProcess({
      args: ['packages/cli/test/fixtures/provider.ts'],
      env: { ZK: zk.connectionString, STAGES_LOG_LEVEL: 'warn' },
      ready: /provider ready/,
      readyTimeoutMs: 60_000,
    });
  }, 90_000);
  afterAll(async () => {
    await provider?.stop();
    await zk?.stop();
  });

  it('registry ls shows the instance with zone, weight and tags, as a table and as JSON', async () => {
    const human = await stages('registry', 'ls', ...zkArgs);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/SERVICE\s+ADDRESS/);
    expect(human.stdout).toMatch(/greeter\s+127\.0\.0\.1:\d+\s+grpc\s+1\.2\.0\s+-\s+zone-a\s+100\s+canary/);
    const json = await stages('registry', 'ls', 'greeter', '--json', ...zkArgs);
    expect(json.code).toBe(0);
    const [instance] = JSON.parse(json.stdout);
    expect(instance).toMatchObject({ service: 'greeter', zone: 'zone-a', weight: 100, tags: ['canary'] });
    expect(instance.metadata.pid).toBe(String(provider.pid));
  }, 60_000);

  it('call invokes the method through the registry and prints the answer', async () => {
    const result = await stages('call', 'greeter.greet', '{"name":"Ada"}', '--json', ...zkArgs);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ message: 'Hello, Ada!' });
  }, 60_000);

  it('exit codes say what went wrong', async () => {
    const invalid = await stages('call', 'greeter.greet', '{"name":""}', ...zkArgs);
    expect(invalid.code).toBe(4);
    expect(invalid.stderr).toMatch(/INVALID_ARGUMENT/);
    const notFound = await stages('call', 'greeter.greet', '{"name":"nobody"}', '--json', ...zkArgs);
    expect(JSON.parse(notFound.stderr).error.code).toBe('NOT_FOUND');
    expect(notFound.code).toBe(3);
    const noProvider = await stages('call', 'nosuch.method', '{}', '--timeout', '1500', ...zkArgs);
    expect(noProvider.code).toBe(6);
    const usage = await stages('call');
    expect(usage.code).toBe(2);
    const missing = await stages('registry', 'ls', 'nosuch', ...zkArgs);
    expect(missing.code).toBe(3);
  }, 90_000);
});

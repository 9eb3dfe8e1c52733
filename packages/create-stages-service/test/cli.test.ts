import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/index.js';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'create-stages-'));
});
afterEach(() => rm(cwd, { recursive: true, force: true }));

async function run(argv: string[], input = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await runCli(argv, { stdin: Readable.from([input]), stdout, stderr, cwd });
  return { code, out, err };
}

describe('runCli', () => {
  it('writes the project from flags without asking', async () => {
    const { code, out } = await run(['orders', '--mode', 'json', '--with', 'cache']);
    expect(code).toBe(0);
    expect(out).toContain('npm install && npm test');
    expect(await readFile(join(cwd, 'orders/src/capabilities/cache.ts'), 'utf8')).toContain('TwoLevelCache');
  });

  it('asks for what the flags leave out, re-asking after an invalid answer', async () => {
    const { code, out } = await run([], 'Bad Name\nbilling\nidl\nevents\n');
    expect(code).toBe(0);
    expect(out).toContain('"Bad Name" has upper-case letters');
    expect(await readdir(join(cwd, 'billing/proto'))).toEqual(['billing.proto']);
    expect(await readFile(join(cwd, 'billing/src/service.ts'), 'utf8')).toContain('GreetingEvents');
  });

  it('refuses an invalid name with exit code 2 and writes nothing', async () => {
    const { code, err } = await run(['My_Service', '--yes']);
    expect(code).toBe(2);
    expect(err).toMatch(/create-stages-service: "My_Service" has upper-case letters/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('refuses a non-empty directory with exit code 3 and leaves it untouched', async () => {
    await run(['orders', '--yes']);
    await writeFile(join(cwd, 'orders/README.md'), 'mine');
    const { code, err } = await run(['orders', '--yes']);
    expect(code).toBe(3);
    expect(err).toMatch(/orders is not empty/);
    expect(await readFile(join(cwd, 'orders/README.md'), 'utf8')).toBe('mine');
  });

  it('fails with exit code 2 when input ends before a name is given', async () => {
    const { code, err } = await run([], '');
    expect(code).toBe(2);
    expect(err).toMatch(/no answer on standard input/);
  });

  it('with --yes and no name, says a name is required', async () => {
    const { code, err } = await run(['--yes']);
    expect(code).toBe(2);
    expect(err).toMatch(/a name is required/);
  });
});

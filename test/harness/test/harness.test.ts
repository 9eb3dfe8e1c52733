import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, MissingBinaryError, startPostgres, startRedis, startZooKeeper, sweepStale } from '../src/index.js';
import { startTime } from '../src/internal/procfs.js';
import { createWorkdir, destroyWorkdir } from '../src/internal/workdir.js';

describe('freePort', () => {
  it('returns a loopback port that can be bound', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
    expect(port).toBeGreaterThan(0);
  });
});

describe('missing binaries', () => {
  const saved = { PATH: process.env.PATH, STAGES_PG_BINDIR: process.env.STAGES_PG_BINDIR };
  afterEach(() => {
    process.env.PATH = saved.PATH;
    if (saved.STAGES_PG_BINDIR === undefined) delete process.env.STAGES_PG_BINDIR;
    else process.env.STAGES_PG_BINDIR = saved.STAGES_PG_BINDIR;
  });

  it('names the Debian package in one line', async () => {
    process.env.PATH = '/nonexistent';
    const error = await startRedis().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingBinaryError);
    expect((error as Error).message).toMatch(/install the Debian package 'redis-server'/);
    expect((error as Error).message).not.toContain('\n');
    await expect(startZooKeeper()).rejects.toThrow(/Debian package '(default-jre-headless|util-linux)'/);
  });

  it('names postgresql when the PostgreSQL binaries are not where they are expected', async () => {
    process.env.STAGES_PG_BINDIR = '/nonexistent/15/bin';
    await expect(startPostgres()).rejects.toThrow(/Debian package 'postgresql'/);
  });
});

describe('sweepStale', () => {
  it('removes dirs whose owner is gone, with whatever they still run, and keeps live owners’ dirs', async () => {
    // A dir owned by a process that has exited, with a "server" still running in it.
    const stale = mkdtempSync(join(tmpdir(), 'stages-harness-sweeptest-'));
    const owner = spawn('true');
    const ownerPid = owner.pid!;
    await new Promise((resolve) => owner.once('exit', resolve));
    writeFileSync(join(stale, 'harness-owner'), `${ownerPid} 1\n`);
    const orphan = spawn('sleep', ['60'], { cwd: stale });
    writeFileSync(join(stale, 'harness-pids'), `${orphan.pid} ${startTime(orphan.pid!)}\n`);
    const orphanExit = new Promise((resolve) => orphan.once('exit', (_code, signal) => resolve(signal)));

    const mine = createWorkdir('sweeptest');
    try {
      sweepStale();
      expect(existsSync(stale)).toBe(false);
      expect(await orphanExit).toBe('SIGKILL');
      expect(existsSync(mine)).toBe(true);
    } finally {
      destroyWorkdir(mine);
    }
  });
});

import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { debug } from './debug.js';
import { isAlive, startTime } from './procfs.js';
import { run } from './run.js';
import { sleep } from './wait.js';
import { PG_TEMPLATE_PREFIX } from './workdir.js';

export interface PostgresUser {
  uid: number;
  gid: number;
}

/**
 * An initdb'd cluster to copy: initdb is the slow step of a PostgreSQL start (0.7–3.9 s here) and a copy
 * takes a fraction of it. Built once per machine and PostgreSQL version and kept across runs; a lock
 * stops parallel test workers from all running initdb at the first start, and the atomic rename means
 * no one ever copies a half-built template.
 */
export async function postgresTemplate(binDir: string, version: string, user: PostgresUser): Promise<string> {
  const template = join(tmpdir(), `${PG_TEMPLATE_PREFIX}${version}`);
  const ready = () => existsSync(join(template, 'PG_VERSION'));
  if (ready()) return template;
  const lock = `${template}.lock`;
  const deadline = Date.now() + 120_000;
  while (!tryLock(lock)) {
    if (ready()) return template;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (held by a live process)`);
    await sleep(100);
  }
  try {
    if (ready()) return template;
    // Half-built templates of a run that died during initdb; only the lock holder may touch them.
    for (const name of readdirSync(dirname(template))) {
      if (name.startsWith(`${basename(template)}.building-`))
        rmSync(join(dirname(template), name), { recursive: true, force: true });
    }
    const started = performance.now();
    const staging = mkdtempSync(`${template}.building-`);
    chmodSync(staging, 0o700);
    chownSync(staging, user.uid, user.gid);
    try {
      await run({
        what: 'initdb',
        command: join(binDir, 'initdb'),
        args: ['-D', staging, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'],
        cwd: tmpdir(),
        user: 'postgres',
      });
      rmSync(template, { recursive: true, force: true });
      renameSync(staging, template);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
    debug(`initdb template ${template} built in ${Math.round(performance.now() - started)} ms`);
    return template;
  } finally {
    rmSync(lock, { force: true });
  }
}

/** O_EXCL lock file holding "pid starttime"; a lock whose holder died is broken. */
function tryLock(lock: string): boolean {
  try {
    const fd = openSync(lock, 'wx');
    writeSync(fd, `${process.pid} ${startTime(process.pid) ?? ''}`);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      const [pid, start] = readFileSync(lock, 'utf8').split(' ');
      if (pid && !isAlive(Number(pid), start || undefined)) rmSync(lock, { force: true });
    } catch {
      // released meanwhile
    }
    return false;
  }
}

import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * A server binary is not installed. The message is one line naming the Debian package, because that is
 * the whole fix: `bash scripts/install-services.sh` (which `npm test` runs) installs it.
 */
export class MissingBinaryError extends Error {
  override name = 'MissingBinaryError';
  constructor(
    readonly what: string,
    readonly debianPackage: string,
  ) {
    super(
      `${what} is not installed: install the Debian package '${debianPackage}' (apt-get install -y ${debianPackage}, or bash scripts/install-services.sh)`,
    );
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

function requireCommand(command: string, debianPackage: string): string {
  const found = onPath(command);
  if (!found) throw new MissingBinaryError(command, debianPackage);
  return found;
}

function requireFile(path: string, debianPackage: string): string {
  if (!existsSync(path)) throw new MissingBinaryError(path, debianPackage);
  return path;
}

/** setpriv wraps every server (parent-death signal, and the postgres user). */
export const setprivBinary = () => requireCommand('setpriv', 'util-linux');

export function zooKeeperBinaries(): { java: string; classpath: string[] } {
  return {
    java: requireCommand('java', 'default-jre-headless'),
    classpath: [
      requireFile('/usr/share/java/zookeeper.jar', 'zookeeper'),
      // ZooKeeper logs through slf4j and stays silent (and hides start-up errors) without a binding.
      requireFile('/usr/share/java/slf4j-log4j12.jar', 'libslf4j-java'),
      requireFile('/usr/share/java/log4j-1.2.jar', 'liblog4j1.2-java'),
    ],
  };
}

/** The newest PostgreSQL under /usr/lib/postgresql (or STAGES_PG_BINDIR). */
export function postgresBinaries(): { binDir: string; version: string } {
  const override = process.env.STAGES_PG_BINDIR;
  if (override) {
    requireFile(join(override, 'postgres'), 'postgresql');
    return { binDir: override, version: override.split('/').at(-2) ?? 'custom' };
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const version = versions[0];
  if (!version) throw new MissingBinaryError('PostgreSQL (/usr/lib/postgresql/*/bin/postgres)', 'postgresql');
  return { binDir: join(root, version, 'bin'), version };
}

export const redisBinary = () => requireCommand('redis-server', 'redis-server');

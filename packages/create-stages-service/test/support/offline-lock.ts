import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

type LockEntry = Record<string, unknown> & {
  version?: string;
  resolved?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
interface Lock {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}
interface ProjectPackage {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * A package-lock.json for a generated project, derived from this repository's lock: every package at the
 * version (and integrity) the repository installed, so `npm ci --offline` needs nothing but tarballs already
 * in the npm cache. Without it npm must resolve ranges from packuments, which an offline cache does not hold.
 * Workspace packages become the `npm pack` tarballs given in `tarballs` (name -> absolute path).
 */
export function offlineLock(
  repoLock: Lock,
  project: ProjectPackage,
  projectDir: string,
  tarballs: ReadonlyMap<string, string>,
): Lock {
  const out: Record<string, LockEntry> = {
    '': {
      name: project.name,
      version: project.version,
      dependencies: project.dependencies ?? {},
      devDependencies: project.devDependencies ?? {},
    },
  };
  // Paths in the repo's tree; a workspace lives at packages/x and is linked from node_modules/@stages/x.
  const workspaceOf = new Map<string, string>(); // packages/core -> @stages/core
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (entry.link && typeof entry.resolved === 'string')
      workspaceOf.set(entry.resolved, path.slice('node_modules/'.length));
  }
  const toNew = (oldPath: string): string => {
    for (const [dir, name] of workspaceOf) {
      if (oldPath === dir || oldPath.startsWith(`${dir}/`)) return `node_modules/${name}${oldPath.slice(dir.length)}`;
    }
    return oldPath;
  };
  const find = (from: string, name: string): string | undefined => {
    let base = from;
    for (;;) {
      const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
      const entry = repoLock.packages[candidate];
      if (entry) return entry.link && typeof entry.resolved === 'string' ? entry.resolved : candidate;
      if (base === '') return undefined;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut === -1 ? '' : base.slice(0, cut);
    }
  };

  const queue: Array<[from: string, name: string, optional: boolean]> = [];
  for (const name of Object.keys({ ...project.dependencies, ...project.devDependencies }))
    queue.push(['', name, false]);
  const seen = new Set<string>();
  while (queue.length > 0) {
    const [from, name, optional] = queue.shift() as [string, string, boolean];
    const oldPath = find(from, name);
    if (!oldPath) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || 'the project'}) is not in the repository's lock`);
    }
    if (seen.has(oldPath)) continue;
    seen.add(oldPath);
    const entry = repoLock.packages[oldPath] as LockEntry;
    const newPath = toNew(oldPath);
    const workspace = workspaceOf.get(oldPath);
    if (workspace) {
      const tarball = tarballs.get(workspace);
      if (!tarball) throw new Error(`no tarball for ${workspace}`);
      const { name: _n, ...rest } = entry;
      out[newPath] = {
        ...rest,
        resolved: `file:${relative(projectDir, tarball)}`,
        integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      };
    } else {
      const { dev: _d, devOptional: _o, peer: _p, ...rest } = entry;
      // The repo's lock may omit registry URLs; without one npm asks the registry for the packument.
      out[newPath] = { ...rest, resolved: entry.resolved ?? registryUrl(name, entry.version ?? '') };
    }
    for (const dep of Object.keys(entry.dependencies ?? {})) queue.push([oldPath, dep, false]);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) queue.push([oldPath, dep, true]);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      queue.push([oldPath, dep, entry.peerDependenciesMeta?.[dep]?.optional === true]);
    }
  }
  return { ...repoLock, packages: out } as Lock;
}

function registryUrl(name: string, version: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return `https://registry.npmjs.org/${name}/-/${base}-${version}.tgz`;
}

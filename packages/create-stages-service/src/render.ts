import { basename } from 'node:path';
import type { ProjectOptions } from './options.js';
import { capabilitySource } from './templates/capabilities.js';
import { localConfig } from './templates/config.js';
import { dockerfile, dockerignore } from './templates/dockerfile.js';
import { kubernetesFiles } from './templates/kubernetes.js';
import { mainSource } from './templates/main.js';
import { packageJson } from './templates/package-json.js';
import { protoSource } from './templates/proto.js';
import { gitignore, readme } from './templates/readme.js';
import { serviceSource } from './templates/service.js';
import { testSource } from './templates/test.js';
import { tsconfig } from './templates/tsconfig.js';

/** Every file of the new project, path -> content. Pure: writing is a separate step (and test). */
export function renderProject(options: ProjectOptions): Map<string, string> {
  const files = new Map<string, string>([
    ['package.json', packageJson(options)],
    ['tsconfig.json', tsconfig()],
    ['src/service.ts', serviceSource(options)],
    ['src/main.ts', mainSource(options)],
    ['test/service.test.ts', testSource(options)],
    ['config/stages.yaml', localConfig(options)],
    ['Dockerfile', dockerfile(options)],
    ['.dockerignore', dockerignore()],
    ['.gitignore', gitignore()],
    ['README.md', readme(options)],
  ]);
  if (options.mode === 'idl') files.set(`proto/${options.name}.proto`, protoSource(options));
  for (const capability of options.capabilities) {
    files.set(`src/capabilities/${capability}.ts`, capabilitySource(capability));
  }
  for (const [path, content] of kubernetesFiles(options)) files.set(path, content);
  return files;
}

/** Files copied as they are (binary), project path -> source path: the vendored @stages tarballs. */
export function projectCopies(options: ProjectOptions): Map<string, string> {
  const copies = new Map<string, string>();
  for (const tarball of options.localPackages?.values() ?? []) copies.set(`vendor/${basename(tarball)}`, tarball);
  return copies;
}

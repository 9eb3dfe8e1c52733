import { basename } from 'node:path';
import type { ProjectOptions } from '../options.js';
import { VERSIONS } from '../versions.js';

/** The packages a capability adds; each is a leaf of @stages/core, so versions move together. */
const CAPABILITY_PACKAGES = { cache: '@stages/cache', data: '@stages/data', events: '@stages/esb' } as const;

export function packageJson(options: ProjectOptions): string {
  const stages = ['@stages/core', ...options.capabilities.map((c) => CAPABILITY_PACKAGES[c])];
  const dependencies: Record<string, string> = {};
  for (const name of stages) dependencies[name] = VERSIONS.stages;
  dependencies.zod = VERSIONS.zod;
  // Installing from tarballs: every @stages package core pulls in must come from them too, or npm asks the
  // registry for the transitive ones. Direct file: dependencies satisfy core's "0.1.0" ranges by deduplication.
  for (const [name, tarball] of options.localPackages ?? []) dependencies[name] = `file:vendor/${basename(tarball)}`;
  const devDependencies: Record<string, string> = {
    '@types/node': VERSIONS.typesNode,
    typescript: VERSIONS.typescript,
  };
  if (options.mode === 'idl') {
    // The test calls the service the way a foreign client would: grpc-js and the .proto, nothing else.
    devDependencies['@grpc/grpc-js'] = VERSIONS.grpcJs;
    devDependencies['@grpc/proto-loader'] = VERSIONS.protoLoader;
  }
  const pkg = {
    name: options.name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: VERSIONS.node },
    scripts: {
      build: 'tsc -p tsconfig.json',
      start: 'node dist/src/main.js',
      test: 'tsc -p tsconfig.json && node --test dist/test/service.test.js',
    },
    dependencies: sorted(dependencies),
    devDependencies: sorted(devDependencies),
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));
const packages = ['common', 'registry', 'rpc', 'config', 'cache', 'data', 'esb', 'core', 'cli'];

export default defineConfig({
  // Tests import packages by name and get their TypeScript sources, so a test run needs no build.
  resolve: {
    alias: [
      ...packages.map((name) => ({ find: new RegExp(`^@stages/${name}$`), replacement: pkg(name) })),
      {
        find: /^@stages\/test-harness$/,
        replacement: fileURLToPath(new URL('./test/harness/src/index.ts', import.meta.url)),
      },
    ],
  },
  // SWC, not esbuild/oxc: it emits `design:paramtypes` exactly as tsc does, which tsyringe needs.
  // test/decorator-metadata.test.ts fails if this ever stops being true.
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        target: 'es2022',
      },
    }),
  ],
  oxc: false,
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

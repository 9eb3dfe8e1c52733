#!/usr/bin/env node
// The `stages` command. Inside the Stages repository it runs the TypeScript sources (through @swc-node, with the
// repository's tsconfig paths) so it never lags behind them; installed from npm it runs the built dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const repoTsconfig = fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
let main;
if (existsSync(src) && existsSync(repoTsconfig)) {
  process.env.SWC_NODE_PROJECT ??= repoTsconfig;
  await import('@swc-node/register/esm-register');
  main = await import(src);
} else {
  main = await import('../dist/main.js');
}
// Exit explicitly: a gRPC channel or ZooKeeper socket closing in the background must not keep a finished command alive.
process.exit(await main.run(process.argv.slice(2)));

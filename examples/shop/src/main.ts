// The shop's entry point. From the repository root:
//   npm start                         stage 1: one process, SQLite, in-process calls; prints the storefront URL
//   npm start -- --stage 12           the same code as separate processes over ZooKeeper and gRPC
// Options: --stage N, --port P (default 3000; 0 picks one), --services a,b (serve only these), --no-gateway,
// --zone Z (stage 9), --profile file.yaml (your own stage profile).
import { parseArgs } from 'node:util';
import { launch } from './stage/launch.js';

const { values } = parseArgs({
  options: {
    stage: { type: 'string', default: process.env.SHOP_STAGE ?? '1' },
    profile: { type: 'string' },
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    services: { type: 'string' },
    'no-gateway': { type: 'boolean', default: false },
    zone: { type: 'string' },
  },
});

try {
  await launch({
    stage: Number(values.stage),
    ...(values.profile ? { profile: values.profile } : {}),
    port: Number(values.port),
    ...(values.services !== undefined ? { services: values.services.split(',').filter(Boolean) } : {}),
    gateway: !values['no-gateway'],
    ...(values.zone ? { zone: values.zone } : {}),
  });
} catch (error) {
  const busy = (error as { code?: string }).code === 'EADDRINUSE';
  console.error(
    `shop: ${(error as Error).message}${busy ? ' (another port: --port 3001, or --port 0 for any free one)' : ''}`,
  );
  process.exit(1);
}

// The smallest Stages app: two services in one process (monolith mode), one calling the other through a
// reference. Run from the repository root:  npm run hello   (add `-- --once` to exit after the greeting)
import { Stages } from '@stages/core';
import { ClockService, GreeterService } from './services.js';

const app = await Stages.create({
  services: [GreeterService, ClockService],
  config: { app: { name: 'hello' }, admin: { port: Number(process.env.ADMIN_PORT ?? 0) } },
}).start();

const greeter = app.client<{ greet(req: { name: string }): Promise<{ message: string }> }>(GreeterService);
const { message } = await greeter.greet({ name: process.argv.find((a, i) => i > 1 && !a.startsWith('-')) ?? 'world' });
console.log(message);

const admin = `http://127.0.0.1:${app.adminAddress?.port}`;
console.log(`health: ${admin}/health/ready  ${admin}/health/live  (Ctrl-C stops gracefully)`);
if (process.argv.includes('--once')) await app.stop();

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePorts, startPostgres, startRedis, startZooKeeper } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlows } from '../../test/flows.js';

/**
 * The shop's real image, built offline with --pull=never from a base assembled out of the host's Node, run as
 * one container per service on the host network against the harness's ZooKeeper, PostgreSQL (+ replica) and
 * Redis. Proves readiness (HTTP and the image's HEALTHCHECK), a purchase through the gateway, and that
 * SIGTERM reaches Node as PID 1 and drains (exit 0, "server drained").
 *
 * Slow (measured ~4-5 min on a shared 2-core machine, most of it the image build), so it runs only with
 * STAGES_CONTAINER_TESTS=1 (and podman present or installable; the build script installs it from apt).
 */
const run = promisify(execFile);
const enabled = process.env.STAGES_CONTAINER_TESTS === '1';
const IMAGE = 'localhost/stages/shop:0.1.0';
const PODMAN = ['--runtime', 'runc'];
const RUN_FLAGS = ['--network', 'host', '--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096'];
const SERVICES = ['user', 'catalog', 'inventory', 'order', 'search'];

const podman = (...args: string[]) => run('podman', [...PODMAN, ...args], { maxBuffer: 64 << 20 });
const timings: Record<string, number> = {};
async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await fn();
  } finally {
    timings[label] = Date.now() - start;
  }
}

async function waitReady(container: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout: state } = await podman('inspect', '--format', '{{.State.Status}}', container);
    if (state.trim() === 'exited') {
      const { stdout, stderr } = await podman('logs', '--tail', '20', container);
      throw new Error(`${container} exited before it was ready:\n${stdout}${stderr}`);
    }
    const status = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.status)
      .catch(() => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`admin port ${port} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.skipIf(!enabled)('the shop in containers (podman, runc, host network)', () => {
  const tag = `stages-shop-${process.pid}`;
  const containers = new Map<string, { name: string; admin: number }>();
  let gatewayPort = 0;
  let stopServers: () => Promise<unknown> = async () => {};
  const started = Date.now();

  beforeAll(async () => {
    const servers = Promise.all([startZooKeeper(), startPostgres({ replica: true }), startRedis()]);
    await timed('image build', () =>
      run('bash', ['examples/shop/deploy/build-image.sh', IMAGE], { cwd: process.cwd(), maxBuffer: 64 << 20 }),
    );
    const [zk, pg, redis] = await timed('servers', () => servers);
    stopServers = () => Promise.all([zk.stop(), pg.stop(), redis.stop()]);
    // Every container's profile names every database; create them once, here, rather than race to.
    for (const db of ['shop', 'shop_user', 'shop_catalog', 'shop_inventory', 'shop_orders_0', 'shop_orders_1']) {
      await pg.createDatabase(db);
    }
    await pg.waitForReplica();
    const env = {
      SHOP_ZOOKEEPER: zk.connectionString,
      SHOP_POSTGRES_URL: pg.primary.url,
      SHOP_POSTGRES_REPLICA_URL: pg.replica?.url ?? '',
      SHOP_REDIS_URL: redis.primary.url,
      STAGES_LOG_LEVEL: 'info',
    };
    const ports = await freePorts(SERVICES.length + 2);
    gatewayPort = ports.pop() as number;
    const runContainer = async (service: string, admin: number, args: string[]) => {
      const name = `${tag}-${service}`;
      const envFlags = Object.entries({
        ...env,
        STAGES__ADMIN__PORT: String(admin),
      }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
      await podman('run', '-d', '--name', name, ...RUN_FLAGS, ...envFlags, IMAGE, ...args);
      containers.set(service, { name, admin });
    };
    await timed('containers ready', async () => {
      await Promise.all(SERVICES.map((s, i) => runContainer(s, ports[i] as number, ['--services', s, '--no-gateway'])));
      await Promise.all([...containers.values()].map((c) => waitReady(c.name, c.admin, 120_000)));
      await runContainer('gateway', ports[SERVICES.length] as number, [
        '--services',
        '',
        '--port',
        String(gatewayPort),
      ]);
      await waitReady(`${tag}-gateway`, ports[SERVICES.length] as number, 60_000);
    });
  }, 900_000);

  afterAll(async () => {
    for (const { name } of containers.values()) await podman('rm', '-f', '-t', '0', name).catch(() => {});
    await stopServers();
    timings.total = Date.now() - started;
    console.log(`container test timings (ms): ${JSON.stringify(timings)}`);
  }, 120_000);

  it('runs as the unprivileged user and reports healthy through the image HEALTHCHECK', async () => {
    const gateway = containers.get('gateway')?.name as string;
    const { stdout: user } = await podman('inspect', '--format', '{{.Config.User}}', gateway);
    expect(user.trim()).toBe('10001:10001');
    // Exit code 0 means the HEALTHCHECK command (readiness on the admin port) passed inside the container.
    await expect(podman('healthcheck', 'run', gateway)).resolves.toBeDefined();
  });

  it('sells through the gateway: sign up, sign in, order, stock taken, history', async () => {
    const result = await timed('flows', () => runFlows(`http://127.0.0.1:${gatewayPort}`, `c${process.pid}`));
    expect(result.signedUp).toBe(true);
    expect(result.orderTotalCents).toBeGreaterThan(0);
    expect(result.stockTaken).toBe(2);
    expect(result.history).toEqual([{ items: 2, totalCents: result.orderTotalCents }]);
  }, 60_000);

  it('SIGTERM reaches node as PID 1: the order service drains and exits 0', async () => {
    const { name } = containers.get('order') as { name: string };
    const stop = Date.now();
    await podman('kill', '--signal', 'TERM', name);
    const { stdout: code } = await podman('wait', name);
    timings['order drain + exit'] = Date.now() - stop;
    expect(code.trim()).toBe('0');
    const { stdout, stderr } = await podman('logs', name);
    expect(stdout + stderr).toMatch(/"msg":"server drained"/);
    expect(stdout + stderr).toMatch(/"msg":"stages app stopped"/);
  }, 60_000);
});

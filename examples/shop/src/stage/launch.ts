import { SHOP_SERVICES } from '../services/index.js';
import { parseProfile, profilePath, readProfileText, SHOP_DIR } from './profile.js';
import { startReverseProxy } from './reverse-proxy.js';
import { type RunningShop, runShop } from './run-shop.js';
import { provideServers } from './servers.js';

export interface LaunchOptions {
  stage: number;
  profile?: string;
  port: number;
  services?: string[];
  gateway: boolean;
  /** Stage 9: the zone this process runs in (overrides the profile's app.zone). */
  zone?: string;
}

/** Set by a launcher for the processes it starts: the resolved server addresses, so a child starts nothing. */
const CHILD_VARS = 'SHOP_VARS';

/**
 * Starts the shop at a stage: the servers the profile needs (unless the environment names them), then the
 * shop itself (one process, or one per service at stage 12), and stops all of it on SIGINT/SIGTERM.
 */
export async function launch(options: LaunchOptions): Promise<void> {
  const path = options.profile ?? profilePath(options.stage);
  const text = readProfileText(path);
  const inherited = process.env[CHILD_VARS];
  const servers = inherited
    ? { vars: JSON.parse(inherited) as Record<string, string>, started: [], stop: async () => {} }
    : await provideServers(text, process.env.SHOP_DATA_DIR ?? `${SHOP_DIR}/data/stage-${options.stage}`);
  for (const line of servers.started) console.log(`started ${line}`);
  const stops: (() => Promise<unknown>)[] = [() => servers.stop()];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((e) => console.error(e));
  };
  let stoppingSince = 0;
  const onSignal = () => {
    // A second Ctrl-C, or a stop that hangs, exits at once: the servers and children die with us (pdeathsig).
    // One within a second is the same Ctrl-C arriving twice (from the terminal and forwarded by `stages run`).
    if (stoppingSince) {
      if (Date.now() - stoppingSince > 1_000) process.exit(130);
      return;
    }
    stoppingSince = Date.now();
    console.log('stopping... (Ctrl-C again to exit at once)');
    setTimeout(() => {
      console.error('stop timed out after 15 s; exiting');
      process.exit(1);
    }, 15_000).unref();
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const profile = parseProfile(text, servers.vars, path);
    const all = Object.keys(SHOP_SERVICES);
    let inProcess = options.services ?? all;
    if (!inherited && profile.processes) {
      // Stage 12: every service in its own process(es); this process keeps only the gateway.
      const { startProcess } = await import('@stages/test-harness');
      const children = await Promise.all(
        profile.processes.flatMap((spec) =>
          Array.from({ length: spec.count ?? 1 }, () =>
            startProcess({
              args: [
                'examples/shop/src/main.ts',
                '--stage',
                String(profile.stage),
                '--services',
                spec.services.join(','),
                '--no-gateway',
                ...(spec.zone ? ['--zone', spec.zone] : []),
                ...(options.profile ? ['--profile', options.profile] : []),
              ],
              env: { [CHILD_VARS]: JSON.stringify(servers.vars) },
              ready: /shop ready/,
              readyTimeoutMs: 60_000,
            }).then((handle) => ({ handle, services: spec.services, zone: spec.zone })),
          ),
        ),
      );
      // In parallel: each child drains for up to its grace period, and they do not depend on each other.
      stops.push(() => Promise.all(children.map((c) => c.handle.stop())));
      for (const { handle, services, zone } of children) {
        console.log(`started ${services.join(',')} (pid ${handle.pid})${zone ? ` in zone ${zone}` : ''}`);
      }
      inProcess = [];
    }
    if (!inherited && (profile.instances ?? 1) > 1) {
      // Stage 4: N full copies of the shop, each with its own gateway, behind one reverse proxy.
      const { startProcess } = await import('@stages/test-harness');
      const copies = await Promise.all(
        Array.from({ length: profile.instances ?? 1 }, () =>
          startProcess({
            args: [
              'examples/shop/src/main.ts',
              '--stage',
              String(profile.stage),
              '--port',
              '0',
              ...(options.profile ? ['--profile', options.profile] : []),
            ],
            env: { [CHILD_VARS]: JSON.stringify(servers.vars) },
            ready: /storefront: http:\/\/\S+/,
            readyTimeoutMs: 90_000,
          }),
        ),
      );
      const upstreams = copies.map((c) => /storefront: (http:\/\/\S+)/.exec(c.output())?.[1] as string);
      stops.push(() => Promise.all(copies.map((c) => c.stop())));
      for (const [i, copy] of copies.entries()) {
        console.log(`started shop instance ${i + 1} (pid ${copy.pid}) at ${upstreams[i]}`);
      }
      const proxy = await startReverseProxy(upstreams, options.port);
      stops.push(() => proxy.close());
      console.log(
        `shop ready: stage ${profile.stage} (${profile.title}) ${copies.length} instances pid=${process.pid}`,
      );
      console.log(`storefront: ${proxy.url}`);
      return;
    }
    const shop: RunningShop = await runShop(profile, {
      services: inProcess,
      gateway: options.gateway,
      port: options.port,
      ...(options.zone ? { zone: options.zone } : {}),
    });
    stops.push(() => shop.stop());
    const admin = shop.app.adminAddress;
    console.log(
      `shop ready: stage ${profile.stage} (${profile.title}) services=${inProcess.join(',') || '-'} pid=${process.pid}` +
        (admin ? ` admin=http://127.0.0.1:${admin.port}` : ''),
    );
    if (shop.esbUrl) console.log(`esb: ${shop.esbUrl}`);
    if (shop.url) console.log(`storefront: ${shop.url}`);
  } catch (error) {
    await stopAll();
    throw error;
  }
}

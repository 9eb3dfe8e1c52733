import { Stages } from '@stages/core';
import { Gateway, RouteEngine } from '@stages/esb';
import { SHOP_ROUTES } from '../gateway/routes.js';
import { addStorefront } from '../gateway/storefront.js';
import type { Domain } from '../infra/settings.js';
import { ShopInfra } from '../infra/shop-infra.js';
import { seed } from '../seed/seed.js';
import { SHOP_APIS, SHOP_SERVICES } from '../services/index.js';
import type { Profile } from './profile.js';

export interface RunningShop {
  app: Stages;
  /** The storefront and JSON API, when this process runs the gateway. */
  url?: string;
  /** Stage 13: where the ESB's HTTP routes listen. */
  esbUrl?: string;
  stop(): Promise<void>;
}

/**
 * Runs some of the shop's services (all of them at stage 1) and, optionally, the gateway in this process.
 * Whether calls between services stay in-process or go over gRPC is the profile's `app` config, not code here.
 */
export async function runShop(
  profile: Profile,
  options: { services: readonly string[]; gateway: boolean; port: number; zone?: string },
): Promise<RunningShop> {
  const unknown = options.services.filter((s) => !SHOP_SERVICES[s]);
  if (unknown.length)
    throw new Error(`unknown service(s): ${unknown.join(', ')}; known: ${Object.keys(SHOP_SERVICES).join(', ')}`);
  const domains = options.services.map((s) => SHOP_SERVICES[s]?.domain).filter((d): d is Domain => d !== undefined);
  const infra = await ShopInfra.open(profile.shop, domains);
  try {
    await seed((d) => infra.db(d), domains, profile.shop.seed.products);
  } catch (error) {
    await infra.close();
    throw error;
  }
  const name =
    options.services.length === Object.keys(SHOP_SERVICES).length
      ? 'shop'
      : `shop-${options.services.join('-') || 'gateway'}`;
  const app = Stages.create({
    services: options.services.map((s) => SHOP_SERVICES[s]!.cls),
    config: { ...profile.app, app: { ...profile.app.app, name, ...(options.zone ? { zone: options.zone } : {}) } },
    handleSignals: false,
  });
  // Services ask for ShopInfra in their constructors; this process's instance answers.
  app.container.root.register(ShopInfra as never, { useValue: infra });
  app.onStop(() => infra.close());
  await app.start();
  await infra.ready();
  if (!options.gateway) return { app, stop: () => app.stop() };

  // The gateway calls services through the app's clients: in-process in a monolith, gRPC via ZooKeeper when split.
  const clients = Object.fromEntries(
    SHOP_APIS.map((api) => {
      const proxy = app.client<Record<string, (req: unknown) => Promise<unknown>>>(api);
      return [api.service, { call: <T>(method: string, payload: unknown) => proxy[method]!(payload) as Promise<T> }];
    }),
  );
  const gateway = await Gateway.create({
    routes: SHOP_ROUTES,
    clients,
    jwt: { secret: profile.shop.jwtSecret },
    configure: addStorefront,
  });
  let url: string;
  try {
    ({ url } = await gateway.listen({ port: options.port }));
  } catch (error) {
    // A busy port: nothing else of ours may keep the process alive behind the error.
    await gateway.close();
    await app.stop();
    throw error;
  }
  // Stage 13: the ESB's routes (from the profile) call the same services through the same clients.
  const esb = profile.esbRoutes ? new RouteEngine({ clients, bus: infra.bus }) : undefined;
  await esb?.apply(profile.esbRoutes);
  const esbUrl = esb ? (await esb.listen({ port: 0 })).url : undefined;
  return {
    app,
    url,
    ...(esbUrl ? { esbUrl } : {}),
    stop: async () => {
      // Front doors first, so nothing new arrives while the services drain.
      await esb?.close();
      await gateway.close();
      await app.stop();
    },
  };
}

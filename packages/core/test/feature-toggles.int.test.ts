import { ConfigStore, ZkSession } from '@stages/config';
import { Feature, Rpc, runWithContext, Service, Stages } from '@stages/core';
import { startZooKeeper, type ZooKeeperCluster } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

@Service({ name: 'checkout' })
class CheckoutService {
  @Rpc()
  @Feature('one-click', { fallback: 'classic' })
  async pay() {
    return 'one-click';
  }

  classic() {
    return 'classic';
  }
}

describe('feature toggles from the config center, changed live', () => {
  let zk: ZooKeeperCluster;
  beforeAll(async () => {
    zk = await startZooKeeper();
  });
  afterAll(() => zk?.stop());

  it('flips a @Feature guard in a running app when the flag is published to ZooKeeper', async () => {
    const namespace = `core-features-${process.pid}`;
    const session = new ZkSession({ connectionString: zk.connectionString });
    const store = new ConfigStore(session);
    const scope = { namespace, app: 'shop' };
    const meta = { author: 'test', message: 'toggle' };
    await store.publish(scope, { features: { 'one-click': false } }, meta);

    const app = await Stages.create({
      services: [CheckoutService],
      config: {
        app: { name: 'shop' },
        configCenter: { zookeeper: zk.connectionString, namespace, app: 'shop', snapshotPath: false },
      },
      handleSignals: false,
    }).start();
    try {
      const checkout = app.client<{ pay(req: object): Promise<string> }>(CheckoutService);
      expect(await checkout.pay({})).toBe('classic');

      const changed = new Promise<void>((resolve) => app.features.onChange(() => resolve()));
      await store.publish(scope, { features: { 'one-click': { percent: 50 } } }, meta);
      await changed;
      // Half the callers, always the same half.
      const callers = Array.from({ length: 40 }, (_, i) => `user-${i}`);
      const answers = await Promise.all(callers.map((caller) => runWithContext({ caller }, () => checkout.pay({}))));
      const on = answers.filter((a) => a === 'one-click').length;
      expect(on).toBeGreaterThan(5);
      expect(on).toBeLessThan(35);
      for (const [i, caller] of callers.entries()) {
        expect(app.features.isOn('one-click', { caller })).toBe(answers[i] === 'one-click');
      }

      // An invalid publish is refused by the app: the last good flags stay.
      const before = app.features.snapshot();
      await store.publish(scope, { features: { 'one-click': { percent: 500 } } }, meta);
      await new Promise((r) => setTimeout(r, 300));
      expect(app.features.snapshot()).toEqual(before);
    } finally {
      await app.stop();
      session.close();
    }
  });
});

import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, describe, expect, it } from 'vitest';
import { InMemoryRegistry, InMemoryStore, ZooKeeperRegistry } from '../src/index.js';
import { ProviderSnapshot } from '../src/zookeeper/snapshot.js';
import { instance, watch } from './helpers.js';

class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

// The API copy that @stages/common resolves: a global registered through an older copy is invisible to a newer one.
const { metrics } = createRequire(new URL('../../common/package.json', import.meta.url))(
  '@opentelemetry/api',
) as typeof import('@opentelemetry/api');

// Registered after the registry modules were imported, as an app does: instruments must still bind to it.
const reader = new TestReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
afterAll(() => metrics.disable());

async function collected() {
  const { resourceMetrics } = await reader.collect();
  return new Map(
    resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m.dataPoints] as const),
  );
}

describe('registry telemetry', () => {
  it('counts registrations and delivered updates on an SDK registered after import', async () => {
    const registry = new InMemoryRegistry({ store: new InMemoryStore() });
    await registry.register(instance({ service: 'tele' }));
    const sub = watch(registry, 'tele');
    await sub.until((u) => u.providers.length === 1);
    const seen = await collected();
    expect(seen.get('stages.registry.operations')?.[0]?.value).toBe(1);
    expect(seen.get('stages.registry.updates')?.length).toBeGreaterThan(0);
    await registry.close();
  });

  it('serves the snapshot, flagged stale, when ZooKeeper was never reachable, and the stale gauge says 1', async () => {
    const snapshotDir = mkdtempSync(join(tmpdir(), 'stages-registry-tele-'));
    // Nothing listens on port 1 of loopback: the registry can never connect.
    const connectionString = '127.0.0.1:1';
    const saved = new ProviderSnapshot(snapshotDir, 'tele', connectionString, { warn() {} } as never);
    const known = instance({ service: 'orders' });
    saved.set('orders', [known]);
    await saved.flush();

    const warnings: string[] = [];
    const logger = { warn: (_: unknown, msg: string) => warnings.push(msg), info() {}, debug() {}, error() {} };
    const registry = new ZooKeeperRegistry({
      connectionString,
      namespace: 'tele',
      snapshotDir,
      connectTimeoutMs: 50,
      logger: logger as never,
    });
    const sub = watch(registry, 'orders');
    const update = await sub.until(() => true, 5_000);
    expect(update).toEqual({ providers: [known], stale: true });
    expect(warnings).toEqual([expect.stringContaining('serving providers from the snapshot (stale)')]);
    expect(await registry.lookup('orders')).toEqual([known]);
    await expect(registry.lookup('unknown')).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    const gauge = (await collected()).get('stages.registry.stale');
    expect(gauge).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ value: 1, attributes: { registry: 'zookeeper', namespace: 'tele' } }),
      ]),
    );
    sub.stop();
    await registry.close();
  });
});

import { createRequire } from 'node:module';
import type * as otel from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { LayeredConfig } from '../src/config.js';
import { bindConfig, Config, configProperties } from '../src/decorator.js';
import type { ConfigSource, LayerState } from '../src/sources/source.js';

/** A layer the test drives by hand: pure logic, no store behind it. */
class ManualSource implements ConfigSource {
  readonly central = false;
  #listener: ((s: LayerState) => void) | undefined;
  constructor(
    readonly layer: string,
    public state: LayerState,
  ) {}
  async get() {
    return this.state;
  }
  watch(fn: (s: LayerState) => void) {
    this.#listener = fn;
    return () => {
      this.#listener = undefined;
    };
  }
  push(state: LayerState) {
    this.#listener?.(state);
  }
}

const schema = z.object({
  db: z.object({ pool: z.object({ max: z.number().int().min(1).default(4) }), password: z.string().optional() }),
  features: z.record(z.string(), z.boolean()).default({}),
});

function build() {
  const defaults = new ManualSource('defaults', { document: { db: { pool: { max: 2 } } } });
  const app = new ManualSource('app', { document: { db: { pool: { max: 8 }, password: 'hunter2' } }, version: 3 });
  const config = new LayeredConfig<z.output<typeof schema>>(
    [
      { source: defaults, state: defaults.state },
      { source: app, state: app.state },
    ],
    schema,
    new Set(),
    undefined,
  );
  return { config, app };
}

// The API copy @stages/common resolves (it may differ from the root one): the global must be set on that copy.
const { metrics } = createRequire(new URL('../../common/package.json', import.meta.url))(
  '@opentelemetry/api',
) as typeof otel;

describe('LayeredConfig', () => {
  it('takes the highest layer and says which one it was', () => {
    const { config } = build();
    expect(config.get('db.pool.max')).toBe(8);
    expect(config.explain('db.pool.max')).toMatchObject({
      layer: 'app',
      version: 3,
      layers: [{ layer: 'defaults' }, { layer: 'app' }],
    });
    expect(config.explain('db.password')).toMatchObject({ value: '******', secret: true });
  });

  it('rejects a change the schema refuses and keeps the last good value', () => {
    const { config, app } = build();
    const rejected: string[][] = [];
    const seen: unknown[] = [];
    config.onRejected((r) => rejected.push(r.issues));
    config.onChange('db.pool.max', (v) => seen.push(v));
    app.push({ document: { db: { pool: { max: 0 } } }, version: 4 });
    expect(config.get('db.pool.max')).toBe(8);
    expect(rejected).toEqual([['db.pool.max: Too small: expected number to be >=1']]);
    app.push({ document: { db: { pool: { max: 9 } } }, version: 5 });
    app.push({ document: { db: { pool: { max: 10 } } }, version: 6 });
    expect(seen).toEqual([9, 10]);
    expect(config.status()).toMatchObject({ changes: 2, rejections: 1 });
  });

  it('counts accepted and rejected changes in metrics, even with the SDK registered after import', async () => {
    class Reader extends MetricReader {
      protected override async onForceFlush() {}
      protected override async onShutdown() {}
    }
    const reader = new Reader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    try {
      const { app } = build();
      app.push({ document: { db: { pool: { max: -1 } } }, version: 4 });
      app.push({ document: { db: { pool: { max: 3 } } }, version: 5 });
      const { resourceMetrics } = await reader.collect();
      const points = Object.fromEntries(
        resourceMetrics.scopeMetrics
          .flatMap((s) => s.metrics)
          .map((m) => [m.descriptor.name, m.dataPoints.map((p) => [p.attributes, p.value])]),
      );
      expect(points['stages.config.rejected']).toEqual([[{ layer: 'app' }, 1]]);
      expect(points['stages.config.changes']).toEqual([[{ layer: 'app' }, 1]]);
    } finally {
      metrics.disable();
    }
  });

  it('serves @Config properties live from the bound config', () => {
    class Pool {
      @Config('db.pool.max') max!: number;
      @Config('features.fastCheckout') fast!: boolean | undefined;
    }
    const { config, app } = build();
    const pool = bindConfig(new Pool(), config);
    expect(pool.max).toBe(8);
    app.push({ document: { db: { pool: { max: 12 } }, features: { fastCheckout: true } }, version: 7 });
    expect(pool.max).toBe(12);
    expect(pool.fast).toBe(true);
    expect(config.feature('fastCheckout')).toBe(true);
    expect(configProperties(Pool).map((p) => p.path)).toEqual(['db.pool.max', 'features.fastCheckout']);
    expect(() => {
      pool.max = 1;
    }).toThrow(/read-only/);
  });
});

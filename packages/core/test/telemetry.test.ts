import { tracing } from '@opentelemetry/sdk-node';
import { Stages } from '@stages/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogApi, CatalogService, InventoryService } from './fixtures/shop.js';

describe('telemetry', () => {
  const exporter = new tracing.InMemorySpanExporter();
  let app: Stages;
  beforeAll(async () => {
    app = await Stages.create({
      services: [CatalogService, InventoryService],
      config: { app: { name: 'shop' }, telemetry: { enabled: true } },
      telemetry: { spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] },
      handleSignals: false,
    }).start();
  });
  afterAll(() => app?.stop());

  it('traces one call across both services: client and server spans share one trace id', async () => {
    exporter.reset();
    await app.client<CatalogApi>(CatalogApi).getProduct({ id: '1' });
    await app.flushTelemetry();
    const spans = exporter.getFinishedSpans();
    const find = (name: string, kind: number) => spans.find((s) => s.name === name && s.kind === kind);
    // SpanKind: SERVER = 1, CLIENT = 2.
    const catalogClient = find('catalog/getProduct', 2);
    const catalogServer = find('catalog/getProduct', 1);
    const inventoryClient = find('inventory/stock', 2);
    const inventoryServer = find('inventory/stock', 1);
    for (const span of [catalogClient, catalogServer, inventoryClient, inventoryServer]) expect(span).toBeDefined();
    const traceId = catalogClient!.spanContext().traceId;
    for (const span of [catalogServer, inventoryClient, inventoryServer])
      expect(span!.spanContext().traceId).toBe(traceId);
    // Parent links: the server span is a child of its client span; the nested call is a child of the outer server.
    expect(catalogServer!.parentSpanContext?.spanId).toBe(catalogClient!.spanContext().spanId);
    expect(inventoryClient!.parentSpanContext?.spanId).toBe(catalogServer!.spanContext().spanId);
    expect(inventoryServer!.parentSpanContext?.spanId).toBe(inventoryClient!.spanContext().spanId);
  });

  it('serves call metrics in Prometheus format on the admin port', async () => {
    await app.client<CatalogApi>(CatalogApi).getProduct({ id: '1' });
    const res = await fetch(`http://127.0.0.1:${app.adminAddress!.port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/rpc_method="getProduct"/);
    expect(text).toMatch(/# TYPE \S+ histogram/);
  });
});

describe('telemetry export over OTLP/HTTP', () => {
  it('sends the spans of a call to the configured OTLP endpoint', async () => {
    const { createServer } = await import('node:http');
    const bodies: { url: string | undefined; body: string }[] = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ url: req.url, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const port = (collector.address() as { port: number }).port;
    const app = await Stages.create({
      services: [CatalogService, InventoryService],
      config: {
        app: { name: 'otlp-shop' },
        telemetry: { enabled: true, otlpUrl: `http://127.0.0.1:${port}/v1/traces` },
      },
      handleSignals: false,
    }).start();
    try {
      await app.client<CatalogApi>(CatalogApi).getProduct({ id: '1' });
      await app.flushTelemetry();
      expect(bodies.length).toBeGreaterThan(0);
      expect(bodies[0]!.url).toBe('/v1/traces');
      const all = bodies.map((b) => b.body).join('\n');
      expect(all).toContain('otlp-shop');
      expect(all).toContain('inventory/stock');
    } finally {
      await app.stop();
      collector.close();
    }
  });
});

describe('two apps with telemetry in one process', () => {
  it('share one SDK, and it stays up until the last of them stops', async () => {
    const exporter = new tracing.InMemorySpanExporter();
    const options = (name: string) => ({
      config: { app: { name }, telemetry: { enabled: true }, admin: { enabled: false } },
      telemetry: { spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] },
      handleSignals: false,
    });
    const first = await Stages.create({ services: [InventoryService], ...options('first') }).start();
    const second = await Stages.create({ services: [CatalogService], ...options('second') }).start();
    try {
      await first.stop();
      await second
        .client<CatalogApi>(CatalogApi, { faultTolerance: 'failfast' })
        .getProduct({ id: '1' })
        .catch(() => {});
      await second.flushTelemetry();
      expect(exporter.getFinishedSpans().some((s) => s.name === 'catalog/getProduct')).toBe(true);
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});

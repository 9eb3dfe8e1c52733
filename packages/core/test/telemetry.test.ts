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

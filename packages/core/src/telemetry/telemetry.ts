import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { NodeSDK, resources, type tracing } from '@opentelemetry/sdk-node';
import { createLogger } from '@stages/common';

const log = createLogger('core.telemetry');

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** OTLP/HTTP traces endpoint; spans are batched and sent there. */
  readonly otlpUrl?: string;
  /** Extra span processors, e.g. a SimpleSpanProcessor over an InMemorySpanExporter in tests. */
  readonly spanProcessors?: readonly tracing.SpanProcessor[];
  readonly attributes?: Readonly<Record<string, string>>;
}

/**
 * The OpenTelemetry SDK for one process: traces (W3C trace context, AsyncLocalStorage context manager),
 * metrics read by a Prometheus exporter that the admin server serves at /metrics, optional OTLP export.
 * Leaf packages instrument through the global API (common's tracer/meter), so registering the SDK here is
 * all it takes to turn their spans and metrics on.
 */
export class Telemetry {
  readonly #sdk: NodeSDK;
  readonly #prometheus: PrometheusExporter;

  private constructor(sdk: NodeSDK, prometheus: PrometheusExporter) {
    this.#sdk = sdk;
    this.#prometheus = prometheus;
  }

  static async start(options: TelemetryOptions): Promise<Telemetry> {
    const processors: tracing.SpanProcessor[] = [...(options.spanProcessors ?? [])];
    if (options.otlpUrl) {
      // Loaded only when configured: the exporter pulls in protobuf and http machinery.
      const [{ OTLPTraceExporter }, { tracing: t }] = await Promise.all([
        import('@opentelemetry/exporter-trace-otlp-http'),
        import('@opentelemetry/sdk-node'),
      ]);
      processors.push(new t.BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlpUrl }) as never));
    }
    // Without any processor the SDK registers no tracer provider, and then there are no trace ids in logs
    // and no context to propagate: keep one that drops spans.
    if (processors.length === 0) processors.push(DROP_SPANS);
    // preventServerStart: the admin port serves /metrics; one port for probes and scrapes.
    const prometheus = new PrometheusExporter({ preventServerStart: true });
    const sdk = new NodeSDK({
      serviceName: options.serviceName,
      resource: resources.resourceFromAttributes({
        'service.version': options.serviceVersion ?? '0.0.0',
        ...(options.attributes ?? {}),
      }),
      spanProcessors: processors,
      // Explicit readers and log processors: otherwise the SDK falls back to OTEL_* env defaults (OTLP on
      // localhost:4318) and logs export errors forever when nothing listens there.
      metricReaders: [prometheus as never],
      logRecordProcessors: [],
    });
    sdk.start();
    log.debug({ serviceName: options.serviceName, otlp: options.otlpUrl ?? null }, 'telemetry started');
    return new Telemetry(sdk, prometheus);
  }

  /** Serves the Prometheus text format; mounted at /metrics on the admin server. */
  readonly metricsHandler = (req: IncomingMessage, res: ServerResponse): void => {
    this.#prometheus.getMetricsRequestHandler(req, res);
  };

  async shutdown(): Promise<void> {
    try {
      await this.#sdk.shutdown();
    } finally {
      // Unregister the globals so a later app in the same process (tests, a restart) can register its own.
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
    }
  }
}

const DROP_SPANS: tracing.SpanProcessor = {
  onStart() {},
  onEnd() {},
  forceFlush: async () => {},
  shutdown: async () => {},
};

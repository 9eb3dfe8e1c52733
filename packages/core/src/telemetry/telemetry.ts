import type { IncomingMessage, ServerResponse } from 'node:http';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { core, metrics, node, resources, type tracing } from '@opentelemetry/sdk-node';
import { createLogger, registerTelemetry } from '@stages/common';

const log = createLogger('core.telemetry');

let active: Telemetry | undefined;

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
 * The OpenTelemetry SDK for one process: traces (W3C trace context and baggage, AsyncLocalStorage context),
 * metrics read by a Prometheus exporter that the admin server serves at /metrics, optional OTLP export.
 * Leaf packages instrument through the global API (common's tracer/meter), so registering here is all it takes
 * to turn their spans and metrics on.
 *
 * Built from @opentelemetry/sdk-node's parts rather than `new NodeSDK().start()`: NodeSDK registers through its
 * own copy of @opentelemetry/api, and the API ignores registrations made by an older copy than the reader's, so
 * common's tracer()/meter() would stay no-ops whenever the two copies differ. common's registerTelemetry
 * registers through the copy the packages instrument with.
 */
export class Telemetry {
  readonly #tracerProvider: node.NodeTracerProvider;
  readonly #meterProvider: metrics.MeterProvider;
  readonly #prometheus: PrometheusExporter;
  readonly #unregister: () => void;
  #shares = 1;

  private constructor(
    tracerProvider: node.NodeTracerProvider,
    meterProvider: metrics.MeterProvider,
    prometheus: PrometheusExporter,
    unregister: () => void,
  ) {
    this.#tracerProvider = tracerProvider;
    this.#meterProvider = meterProvider;
    this.#prometheus = prometheus;
    this.#unregister = unregister;
  }

  static async start(options: TelemetryOptions): Promise<Telemetry> {
    // One SDK per process: the API's globals hold one provider each. A second app in the process (tests, a
    // gateway beside a service) shares the first one's telemetry instead of failing to register its own.
    if (active) {
      log.warn({ serviceName: options.serviceName }, 'telemetry already running in this process: sharing it');
      active.#shares++;
      return active;
    }
    const processors: tracing.SpanProcessor[] = [...(options.spanProcessors ?? [])];
    if (options.otlpUrl) {
      // Loaded only when configured: the exporter pulls in protobuf and http machinery.
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      processors.push(new node.BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlpUrl }) as never) as never);
    }
    const resource = resources
      .detectResources({ detectors: [resources.envDetector, resources.processDetector, resources.hostDetector] })
      .merge(
        resources.resourceFromAttributes({
          'service.name': options.serviceName,
          'service.version': options.serviceVersion ?? '0.0.0',
          ...(options.attributes ?? {}),
        }),
      );
    // Even with no processor a real provider is registered: spans then carry trace ids into logs and into the
    // metadata of outgoing calls, which is what joins one request across services.
    const tracerProvider = new node.NodeTracerProvider({ resource, spanProcessors: processors as never });
    // preventServerStart: the admin port serves /metrics; one port for probes and scrapes.
    const prometheus = new PrometheusExporter({ preventServerStart: true });
    const meterProvider = new metrics.MeterProvider({ resource, readers: [prometheus as never] });
    const unregister = registerTelemetry({
      tracerProvider,
      meterProvider: meterProvider as never,
      contextManager: new AsyncLocalStorageContextManager().enable(),
      propagator: new core.CompositePropagator({
        propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
      }),
    });
    log.debug({ serviceName: options.serviceName, otlp: options.otlpUrl ?? null }, 'telemetry started');
    active = new Telemetry(tracerProvider, meterProvider, prometheus, unregister);
    return active;
  }

  /** Serves the Prometheus text format; mounted at /metrics on the admin server. */
  readonly metricsHandler = (req: IncomingMessage, res: ServerResponse): void => {
    this.#prometheus.getMetricsRequestHandler(req, res);
  };

  /** Exports finished spans now (tests; before exit). */
  async flush(): Promise<void> {
    await this.#tracerProvider.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (--this.#shares > 0) return;
    if (active === this) active = undefined;
    try {
      await Promise.allSettled([this.#tracerProvider.shutdown(), this.#meterProvider.shutdown()]);
    } finally {
      // Unregister the globals so a later app in the same process (tests, a restart) can register its own.
      this.#unregister();
    }
  }
}

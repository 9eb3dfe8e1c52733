import {
  type ContextManager,
  context,
  type MeterProvider,
  metrics,
  propagation,
  type TextMapPropagator,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { rebindMeters } from './lazy-meter.js';

/**
 * Registers an OpenTelemetry SDK's parts with the API instance every Stages package instruments through.
 * Why here: the API's global registry refuses a registration made by an older API copy than the one reading it,
 * so an SDK registering through its own (older) copy would stay invisible to this package's tracer()/meter().
 * Registering through this copy makes it visible to all copies of the same or an older minor version.
 * Returns the undo, so an app that stops leaves the process as it found it.
 */
export function registerTelemetry(parts: {
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider;
  contextManager: ContextManager;
  propagator: TextMapPropagator;
}): () => void {
  context.setGlobalContextManager(parts.contextManager);
  propagation.setGlobalPropagator(parts.propagator);
  trace.setGlobalTracerProvider(parts.tracerProvider);
  metrics.setGlobalMeterProvider(parts.meterProvider);
  rebindMeters();
  return () => {
    trace.disable();
    metrics.disable();
    rebindMeters();
    propagation.disable();
    context.disable();
  };
}

import {
  type Attributes,
  type BatchObservableCallback,
  type Context,
  type Counter,
  type Gauge,
  type Histogram,
  type Meter,
  type MetricOptions,
  metrics,
  type Observable,
  type ObservableCallback,
  type ObservableCounter,
  type ObservableGauge,
  type ObservableUpDownCounter,
  type UpDownCounter,
} from '@opentelemetry/api';

/**
 * Why this exists: OpenTelemetry's tracing API hands out proxy tracers that start working once an SDK is
 * registered, but its metrics API does not: a meter taken before registration is a no-op forever. Packages
 * create their instruments when a module loads, which is before an app registers telemetry, so every counter
 * would stay dead. These instruments re-bind to the current provider whenever `registerTelemetry` changes it.
 * The hot-path cost is one integer comparison per add/record.
 */
let generation = 0;
const observables = new Set<LazyObservable>();

/** Called by registerTelemetry after it swaps the global meter provider. */
export function rebindMeters(): void {
  generation++;
  for (const o of observables) o.rebind();
}

class LazySync<T extends object> {
  #generation = -1;
  #real: T | undefined;

  constructor(
    private readonly scope: readonly [string, string],
    private readonly make: (m: Meter) => T,
  ) {}

  protected real(): T {
    if (this.#generation !== generation || this.#real === undefined) {
      this.#generation = generation;
      this.#real = this.make(metrics.getMeter(this.scope[0], this.scope[1]));
    }
    return this.#real;
  }
}

class LazyAdd extends LazySync<Counter | UpDownCounter> implements Counter, UpDownCounter {
  add(value: number, attributes?: Attributes, context?: Context): void {
    this.real().add(value, attributes, context);
  }
}

class LazyRecord extends LazySync<Histogram | Gauge> implements Histogram, Gauge {
  record(value: number, attributes?: Attributes, context?: Context): void {
    this.real().record(value, attributes, context);
  }
}

class LazyObservable implements ObservableCounter, ObservableGauge, ObservableUpDownCounter {
  readonly #callbacks = new Set<ObservableCallback>();
  #real: Observable;

  constructor(
    private readonly scope: readonly [string, string],
    private readonly make: (m: Meter) => Observable,
  ) {
    this.#real = make(metrics.getMeter(scope[0], scope[1]));
    observables.add(this);
  }

  rebind(): void {
    this.#real = this.make(metrics.getMeter(this.scope[0], this.scope[1]));
    for (const cb of this.#callbacks) this.#real.addCallback(cb);
  }

  addCallback(callback: ObservableCallback): void {
    this.#callbacks.add(callback);
    this.#real.addCallback(callback);
  }

  removeCallback(callback: ObservableCallback): void {
    this.#callbacks.delete(callback);
    this.#real.removeCallback(callback);
  }
}

/** A Meter whose instruments survive the SDK being registered (or replaced) after they were created. */
export function lazyMeter(name: string, version: string): Meter {
  const scope = [name, version] as const;
  return {
    createCounter: (n: string, o?: MetricOptions) => new LazyAdd(scope, (m) => m.createCounter(n, o)),
    createUpDownCounter: (n: string, o?: MetricOptions) => new LazyAdd(scope, (m) => m.createUpDownCounter(n, o)),
    createHistogram: (n: string, o?: MetricOptions) => new LazyRecord(scope, (m) => m.createHistogram(n, o)),
    createGauge: (n: string, o?: MetricOptions) => new LazyRecord(scope, (m) => m.createGauge(n, o)),
    createObservableCounter: (n: string, o?: MetricOptions) =>
      new LazyObservable(scope, (m) => m.createObservableCounter(n, o)),
    createObservableGauge: (n: string, o?: MetricOptions) =>
      new LazyObservable(scope, (m) => m.createObservableGauge(n, o)),
    createObservableUpDownCounter: (n: string, o?: MetricOptions) =>
      new LazyObservable(scope, (m) => m.createObservableUpDownCounter(n, o)),
    // Batch callbacks are rare (none in Stages); they bind to the provider current when added.
    addBatchObservableCallback: (cb: BatchObservableCallback, obs: Observable[]) =>
      metrics.getMeter(name, version).addBatchObservableCallback(cb, obs),
    removeBatchObservableCallback: (cb: BatchObservableCallback, obs: Observable[]) =>
      metrics.getMeter(name, version).removeBatchObservableCallback(cb, obs),
  };
}

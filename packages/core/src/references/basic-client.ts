import { context as otelContext, propagation, SpanKind } from '@opentelemetry/api';
import { currentContext, minDeadline, recordError, StagesError, tracer } from '@stages/common';
import type { ProviderInstance, Registry } from '@stages/registry';
import type { ClientTransport } from '@stages/rpc';
import { CALLER_KEY, TAGS_KEY } from '@stages/rpc';
import type { ReferenceClient, ReferenceSpec } from './reference-client.js';

const DEFAULT_TIMEOUT_MS = 30_000;
const clientTracer = tracer('core.client');

/**
 * The smallest correct client: current provider list from the registry, exact version/group match, round robin,
 * deadline and context propagation. Used only when @stages/rpc offers no ServiceClient; it has no breakers and
 * no failover.
 */
export class BasicClient implements ReferenceClient {
  #providers: readonly ProviderInstance[] = [];
  #cursor = 0;
  readonly #unsubscribe: () => void;
  readonly #ready: Promise<void>;

  constructor(
    readonly spec: ReferenceSpec,
    registry: Registry,
    private readonly transports: ReadonlyMap<string, ClientTransport>,
  ) {
    let resolveReady!: () => void;
    this.#ready = new Promise((resolve) => {
      resolveReady = resolve;
    });
    this.#unsubscribe = registry.subscribe(spec.service, ({ providers }) => {
      this.#providers = providers.filter(
        (p) =>
          (spec.version === undefined || p.version === spec.version) &&
          p.group === (spec.group ?? '') &&
          transports.has(p.protocol),
      );
      resolveReady();
    });
  }

  get service(): string {
    return this.spec.service;
  }

  async call(method: string, payload: unknown): Promise<unknown> {
    await this.#ready;
    const name = `${this.spec.service}/${method}`;
    return clientTracer.startActiveSpan(name, { kind: SpanKind.CLIENT }, async (span) => {
      try {
        const provider = this.#providers[this.#cursor++ % Math.max(this.#providers.length, 1)];
        if (provider === undefined) throw new StagesError('NO_PROVIDER', `no provider for ${this.spec.service}`);
        const ctx = currentContext();
        const metadata: Record<string, string> = {};
        propagation.inject(otelContext.active(), metadata);
        if (ctx?.caller !== undefined) metadata[CALLER_KEY] = ctx.caller;
        const tags = this.spec.tags ?? ctx?.tags ?? [];
        if (tags.length > 0) metadata[TAGS_KEY] = tags.join(',');
        const deadline = minDeadline(ctx?.deadline, Date.now() + (this.spec.timeoutMs ?? DEFAULT_TIMEOUT_MS));
        const transport = this.transports.get(provider.protocol)!;
        return await transport.invoke(provider, {
          service: this.spec.service,
          method,
          payload,
          deadline: deadline ?? Date.now() + DEFAULT_TIMEOUT_MS,
          metadata,
        });
      } catch (error) {
        recordError(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  async close(): Promise<void> {
    this.#unsubscribe();
  }
}

import type { Counter, Histogram } from '@opentelemetry/api';
import { meter } from '@stages/common';

/**
 * Client-side transport instruments: per stream and per message, never per call (the cluster above counts calls,
 * with the provider it chose). Frames per message shows how much coalescing buys under the current load.
 */
export class ClientMetrics {
  readonly streamsOpened: Counter;
  readonly streamsBroken: Counter;
  readonly unaryFallbacks: Counter;
  readonly framesPerMessage: Histogram;

  constructor() {
    const m = meter('rpc');
    this.streamsOpened = m.createCounter('stages.rpc.client.streams_opened');
    this.streamsBroken = m.createCounter('stages.rpc.client.streams_broken', {
      description: 'Mux streams that ended with calls still waiting on them',
    });
    this.unaryFallbacks = m.createCounter('stages.rpc.client.unary_fallbacks', {
      description: 'Providers found not to speak the mux stream',
    });
    this.framesPerMessage = m.createHistogram('stages.rpc.client.frames_per_message');
  }
}

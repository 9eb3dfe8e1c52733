import type { Attributes } from '@opentelemetry/api';
import { meter } from '@stages/common';

const m = meter('rpc');

/**
 * Calls one client made to one method, by outcome code: plain numbers bumped on every call and read by the
 * observable `stages.rpc.client.calls` counter at collection time. A synchronous counter costs the OpenTelemetry
 * SDK an attribute-set lookup (sorting and hashing the attributes) on every call; with telemetry on that was the
 * largest single cost of a call through the cluster.
 */
export class CallCounts {
  ok = 0;
  readonly okAttributes: Attributes;
  /** Failed calls by code, with the attributes each is reported under (built once per code). */
  readonly failed = new Map<string, { count: number; readonly attributes: Attributes }>();

  constructor(readonly base: Attributes) {
    this.okAttributes = { ...base, code: 'OK' };
  }

  fail(code: string): void {
    const entry = this.failed.get(code);
    if (entry === undefined) this.failed.set(code, { count: 1, attributes: { ...this.base, code } });
    else entry.count++;
  }
}

const live = new Set<CallCounts>();

/** Starts reporting a method's counts (until untrackCalls: a closed client stops reporting). */
export function trackCalls(counts: CallCounts): CallCounts {
  live.add(counts);
  return counts;
}

export function untrackCalls(counts: CallCounts): void {
  live.delete(counts);
}

/** Client-side instruments, shared by every ServiceClient in the process (attributes tell them apart). */
export const clientMetrics = {
  calls: m.createObservableCounter('stages.rpc.client.calls', {
    description: 'Calls made, by outcome code (OK on success)',
  }),
  errors: m.createCounter('stages.rpc.client.errors', { description: 'Failed calls, by error code' }),
  duration: m.createHistogram('stages.rpc.client.duration', {
    description: 'Call duration including retries',
    unit: 'ms',
  }),
  retries: m.createCounter('stages.rpc.client.retries', { description: 'Attempts retried on another provider' }),
  fallbacks: m.createCounter('stages.rpc.client.fallbacks', { description: 'Calls answered by their fallback' }),
};

clientMetrics.calls.addCallback((result) => {
  for (const counts of live) {
    if (counts.ok > 0) result.observe(counts.ok, counts.okAttributes);
    for (const { count, attributes } of counts.failed.values()) result.observe(count, attributes);
  }
});

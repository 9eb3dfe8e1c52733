import { meter } from '@stages/common';

const m = meter('rpc');

/** Client-side instruments, shared by every ServiceClient in the process (attributes tell them apart). */
export const clientMetrics = {
  calls: m.createCounter('stages.rpc.client.calls', { description: 'Calls made, by outcome code (OK on success)' }),
  errors: m.createCounter('stages.rpc.client.errors', { description: 'Failed calls, by error code' }),
  duration: m.createHistogram('stages.rpc.client.duration', {
    description: 'Call duration including retries',
    unit: 'ms',
  }),
  retries: m.createCounter('stages.rpc.client.retries', { description: 'Attempts retried on another provider' }),
  fallbacks: m.createCounter('stages.rpc.client.fallbacks', { description: 'Calls answered by their fallback' }),
};

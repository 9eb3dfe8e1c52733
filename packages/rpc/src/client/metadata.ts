import { context, INVALID_TRACEID, propagation, type Span, trace } from '@opentelemetry/api';
import type { CallContext } from '@stages/common';
import { CALLER_KEY, TAGS_KEY } from '../server/incoming-metadata.js';

/**
 * Metadata for one outgoing call: what the incoming call context propagates, the W3C trace context of the
 * active (client) span, who is calling, and the routing tags, so the next hop can route and trace the same way.
 */
export function outgoingMetadata(
  span: Span,
  ctx: CallContext | undefined,
  extra: Readonly<Record<string, string>> | undefined,
  caller: string | undefined,
  tags: readonly string[],
): Record<string, string> {
  const md: Record<string, string> = { ...ctx?.metadata, ...extra };
  // Inject after copying: the incoming traceparent must be replaced by this span's, not kept. Without a tracer
  // (telemetry off) the span carries the all-zero invalid context and there is nothing to inject: skipping it
  // saves a context copy per call, and an incoming traceparent then passes through unchanged, so the trace stays
  // whole.
  if (span.spanContext().traceId !== INVALID_TRACEID) propagation.inject(trace.setSpan(context.active(), span), md);
  if (caller !== undefined) md[CALLER_KEY] = caller;
  if (tags.length > 0) md[TAGS_KEY] = tags.join(',');
  else delete md[TAGS_KEY];
  return md;
}

/** Union of tag lists, in order, without duplicates; the common case (no tags) allocates nothing. */
export function mergeTags(...lists: (readonly string[] | undefined)[]): readonly string[] {
  let out: string[] | undefined;
  let only: readonly string[] | undefined;
  for (const list of lists) {
    if (!list || list.length === 0) continue;
    if (!only && !out) {
      only = list;
      continue;
    }
    out ??= [...(only ?? [])];
    for (const t of list) if (!out.includes(t)) out.push(t);
  }
  return out ?? only ?? [];
}

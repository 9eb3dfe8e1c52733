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
): Readonly<Record<string, string>> {
  const inherited = ctx?.metadata;
  // An all-zero trace id: no tracer (telemetry off), nothing to inject.
  const traced = span.spanContext().traceId !== INVALID_TRACEID;
  // Nothing to carry (a call that is not made while serving one, telemetry off, no caller, no tags): no object.
  if (
    caller === undefined &&
    tags.length === 0 &&
    extra === undefined &&
    (inherited === undefined || isEmpty(inherited)) &&
    !traced
  ) {
    return NO_METADATA;
  }
  const md: Record<string, string> = { ...inherited, ...extra };
  // Inject after copying: the incoming traceparent must be replaced by this span's, not kept. Without a tracer
  // (telemetry off) the span carries the all-zero invalid context and there is nothing to inject: skipping it
  // saves a context copy per call, and an incoming traceparent then passes through unchanged, so the trace stays
  // whole.
  if (traced) propagation.inject(trace.setSpan(context.active(), span), md);
  if (caller !== undefined) md[CALLER_KEY] = caller;
  if (tags.length > 0) md[TAGS_KEY] = tags.join(',');
  // `delete` turns an object into a slow dictionary: only when an inherited stages-tags has to go.
  else if (md[TAGS_KEY] !== undefined) delete md[TAGS_KEY];
  return md;
}

const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});
const NO_TAGS: readonly string[] = Object.freeze([]);

function isEmpty(value: object): boolean {
  for (const _ in value) return false;
  return true;
}

/** Union of tag lists, in order, without duplicates; the common case (no tags) allocates nothing. */
export function mergeTags(
  a: readonly string[] | undefined,
  b?: readonly string[] | undefined,
  c?: readonly string[] | undefined,
): readonly string[] {
  if (
    (a === undefined || a.length === 0) &&
    (b === undefined || b.length === 0) &&
    (c === undefined || c.length === 0)
  ) {
    return NO_TAGS;
  }
  let out: string[] | undefined;
  let only: readonly string[] | undefined;
  for (const list of [a, b, c]) {
    if (!list || list.length === 0) continue;
    if (!only && !out) {
      only = list;
      continue;
    }
    out ??= [...(only ?? [])];
    for (const t of list) if (!out.includes(t)) out.push(t);
  }
  return out ?? only ?? NO_TAGS;
}

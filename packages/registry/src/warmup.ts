import type { ProviderInstance } from './registry.js';

/** Default warm-up when neither the provider nor the caller names one (Dubbo uses 10 minutes; Node warms faster). */
export const DEFAULT_WARMUP_MS = 60_000;

/** The warm-up a provider declared in `metadata.warmupMs` (the registry stamps it at register time), else fallback. */
export function warmupOf(instance: ProviderInstance, fallbackMs = DEFAULT_WARMUP_MS): number {
  const own = Number(instance.metadata?.warmupMs);
  return Number.isFinite(own) && own >= 0 ? own : fallbackMs;
}

/**
 * The weight a balancer should use now (Dubbo's warm-up). A provider that just started has cold caches and
 * unjitted code paths; a full share at once is how a deploy becomes a latency spike. The weight ramps linearly
 * from 1 to the declared weight over the warm-up that the provider declared (or `warmupMs`). Never below 1 while
 * warming, so a fresh provider still gets calls and can warm up at all; a declared weight of 0 stays 0 (drained).
 * A start time in the future (clock skew between hosts) counts as just started, not as an error.
 */
export function effectiveWeight(instance: ProviderInstance, now = Date.now(), warmupMs = DEFAULT_WARMUP_MS): number {
  const declared = Number.isFinite(instance.weight) && instance.weight > 0 ? instance.weight : 0;
  if (declared === 0) return 0;
  const warmup = warmupOf(instance, warmupMs);
  const uptime = now - instance.startTime;
  if (warmup <= 0 || !(uptime < warmup)) return declared;
  return Math.max(1, Math.round((declared * Math.max(uptime, 0)) / warmup));
}

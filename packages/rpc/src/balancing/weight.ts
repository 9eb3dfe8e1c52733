import type { ProviderInstance } from '@stages/registry';

/** Default warm-up: a provider that just started gets a share of traffic growing linearly over this long. */
export const DEFAULT_WARMUP_MS = 60_000;

/**
 * The weight a balancer should use now. A provider that just started has cold caches and an unjitted code
 * path; sending it a full share at once is how a deploy turns into a latency spike (Dubbo's warm-up).
 * The weight ramps linearly from 1 to the declared weight over `warmupMs` (a provider may declare its own in
 * `metadata.warmupMs`). Never below 1, so a fresh provider still gets some calls and can warm up at all.
 */
export function effectiveWeight(provider: ProviderInstance, now = Date.now(), warmupMs = DEFAULT_WARMUP_MS): number {
  const declared = Number.isFinite(provider.weight) && provider.weight > 0 ? provider.weight : 0;
  if (declared === 0) return 0;
  const own = Number(provider.metadata?.warmupMs);
  const warmup = Number.isFinite(own) && own >= 0 ? own : warmupMs;
  const uptime = now - provider.startTime;
  if (warmup <= 0 || !(uptime < warmup)) return declared;
  return Math.max(1, Math.round((declared * Math.max(uptime, 0)) / warmup));
}

// Warm-up is defined once, by the registry that stores startTime and metadata.warmupMs; balancers only read it.
export { DEFAULT_WARMUP_MS, effectiveWeight } from '@stages/registry';

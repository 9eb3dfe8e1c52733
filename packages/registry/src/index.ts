export type { ProviderInstance, ProvidersListener, ProvidersUpdate, Registry } from './registry.js';

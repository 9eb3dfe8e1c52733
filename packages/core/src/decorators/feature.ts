import { StagesError } from '@stages/common';
import type { Features } from '../features/features.js';

let active: Features | undefined;

/** The app calls this when it starts so `@Feature` guards read its flags. One app per process is the norm. */
export function setActiveFeatures(features: Features | undefined): void {
  active = features;
}

export function activeFeatures(): Features | undefined {
  return active;
}

/**
 * Guards a method with a feature flag. When the flag is off for the current caller, `fallback` (a method name on
 * the same object, or a function) runs instead; without one the call fails with FEATURE_DISABLED.
 * Unlike the other decorators this one wraps the method, because it must act on every call, local or remote.
 */
export function Feature(
  flag: string,
  options: { fallback?: string | ((...args: unknown[]) => unknown) } = {},
): MethodDecorator {
  return (_target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') throw new TypeError('@Feature: can only decorate methods');
    const guarded = function (this: Record<string, unknown>, ...args: unknown[]): unknown {
      if (active?.isOn(flag) === true) return original.apply(this, args);
      const fallback = options.fallback;
      if (typeof fallback === 'function') return fallback.apply(this, args);
      if (typeof fallback === 'string' && typeof this[fallback] === 'function') {
        return (this[fallback] as (...a: unknown[]) => unknown).apply(this, args);
      }
      const error = new StagesError('FEATURE_DISABLED', `feature "${flag}" is off`, { details: { feature: flag } });
      // Keep the method's shape: an async method rejects rather than throwing synchronously.
      return original.constructor.name === 'AsyncFunction'
        ? Promise.reject(error)
        : (() => {
            throw error;
          })();
    };
    Object.defineProperty(guarded, 'name', { value: String(propertyKey) });
    descriptor.value = guarded as never;
    return descriptor;
  };
}

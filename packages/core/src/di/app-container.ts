import { type DependencyContainer, container as globalContainer, Lifecycle } from 'tsyringe';
import { REFERENCES_KEY, type ReferenceMetadata, SCOPE_KEY, type Scope } from '../decorators/metadata.js';
import type { ServiceDefinition } from '../scanner/scan-service.js';

// Types that design:paramtypes reports for parameters that are not classes (interfaces, primitives, unions).
const NOT_INJECTABLE = new Set<unknown>([Object, String, Number, Boolean, Symbol, Array, Function, Promise, undefined]);

const LIFECYCLE: Record<Scope, Lifecycle> = {
  singleton: Lifecycle.Singleton,
  // tsyringe copies ContainerScoped registrations into every child container: one child per call is the call scope.
  call: Lifecycle.ContainerScoped,
  transient: Lifecycle.Transient,
};

/**
 * One tsyringe container per app (a child of tsyringe's global container, so registrations made there still
 * apply), with every class reachable from the services registered by its declared scope. Default scope is
 * singleton per app: two apps in one process (a test) never share instances.
 */
export class AppContainer {
  readonly root: DependencyContainer = globalContainer.createChildContainer();
  readonly #singletons = new Map<Function, object>();

  /** Registers every class reachable through constructors, and calls `onReference` for every `@Reference`. */
  prepare(services: readonly ServiceDefinition[], referenceFactory: (ref: ReferenceMetadata) => unknown): void {
    const seen = new Set<Function>();
    const proxies = new Map<symbol, unknown>();
    const visit = (cls: Function) => {
      if (seen.has(cls)) return;
      seen.add(cls);
      if (!this.root.isRegistered(cls as never, true)) {
        const scope = (Reflect.getMetadata(SCOPE_KEY, cls) as Scope | undefined) ?? 'singleton';
        this.root.register(cls as never, { useClass: cls as never }, { lifecycle: LIFECYCLE[scope] });
      }
      const refs = (Reflect.getOwnMetadata(REFERENCES_KEY, cls) as ReferenceMetadata[] | undefined) ?? [];
      for (const ref of refs) {
        // One proxy per reference for the app's life, even when a call-scoped class asks for it on every call.
        this.root.register(ref.token, {
          useFactory: () => {
            if (!proxies.has(ref.token)) proxies.set(ref.token, referenceFactory(ref));
            return proxies.get(ref.token);
          },
        });
      }
      const explicit = new Set<number>([
        ...refs.map((r) => r.index),
        // Parameters the author pointed at a token with tsyringe's own @inject.
        ...Object.keys((Reflect.getOwnMetadata('injectionTokens', cls) as object | undefined) ?? {}).map(Number),
      ]);
      const params = (Reflect.getMetadata('design:paramtypes', cls) as unknown[] | undefined) ?? [];
      params.forEach((param, index) => {
        if (!explicit.has(index) && typeof param === 'function' && !NOT_INJECTABLE.has(param)) visit(param);
      });
    };
    for (const def of services) visit(def.cls);
  }

  /** Builds the singletons now, so a broken constructor fails `start()` rather than the first call. */
  warm(services: readonly ServiceDefinition[]): void {
    for (const def of services) {
      if (def.scope === 'singleton') this.#singletons.set(def.cls, this.root.resolve(def.cls as never) as object);
    }
  }

  /** The object that serves one call of `def`: the app's singleton, or a fresh per-call scope. */
  instanceFor(def: ServiceDefinition): { instance: object; release?: () => unknown } {
    const singleton = this.#singletons.get(def.cls);
    if (singleton) return { instance: singleton };
    if (def.scope === 'transient') return { instance: this.root.resolve(def.cls as never) as object };
    const scope = this.root.createChildContainer();
    // dispose() calls dispose() on call-scoped instances that have one (closing per-call resources).
    return { instance: scope.resolve(def.cls as never) as object, release: () => scope.dispose() };
  }

  async dispose(): Promise<void> {
    await this.root.dispose();
  }
}

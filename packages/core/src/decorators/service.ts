import { injectable } from 'tsyringe';
import { SCOPE_KEY, type Scope, SERVICE_KEY, type ServiceOptions } from './metadata.js';

/**
 * Marks a class as a service: its `@Rpc` methods are served under `name`/`version`/`group`. Only records
 * metadata (and tsyringe's constructor type info); `scanService` turns it into a descriptor when the app starts.
 */
export function Service(options: ServiceOptions & { scope?: Scope }): ClassDecorator {
  if (typeof options?.name !== 'string' || options.name.length === 0) {
    throw new TypeError('@Service: options.name is required');
  }
  return (target) => {
    const { scope, ...service } = options;
    Reflect.defineMetadata(SERVICE_KEY, Object.freeze({ ...service }), target);
    if (scope !== undefined) Reflect.defineMetadata(SCOPE_KEY, scope, target);
    injectable()(target as never);
  };
}

/**
 * A class the container may build and inject. Singleton per app unless `scope` says otherwise:
 * `call` gives each call its own instance (and its own copy of other call-scoped dependencies).
 */
export function Injectable(options: { scope?: Scope } = {}): ClassDecorator {
  return (target) => {
    if (options.scope !== undefined) Reflect.defineMetadata(SCOPE_KEY, options.scope, target);
    injectable()(target as never);
  };
}

/** Shorthand for `@Injectable({ scope: 'call' })`: one instance per incoming call, discarded after it. */
export function Scoped(): ClassDecorator {
  return Injectable({ scope: 'call' });
}

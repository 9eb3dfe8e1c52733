import { inject } from 'tsyringe';
import { REFERENCES_KEY, type ReferenceMetadata, type ReferenceOptions, type ReferenceTarget } from './metadata.js';

/**
 * Injects a typed proxy of another service into a constructor parameter. Whether the provider runs in this
 * process or elsewhere is configuration: the proxy always goes through the client cluster.
 *
 * Each use gets its own injection token, registered by the app when it starts, so two references to the same
 * service with different options (tags, balancer) stay distinct.
 */
export function Reference(target: ReferenceTarget, options: ReferenceOptions = {}): ParameterDecorator {
  if (target === undefined || target === null) {
    // Usually an import cycle: the token was read before its module finished evaluating.
    throw new TypeError('@Reference: target is undefined (import cycle?)');
  }
  return (owner, propertyKey, index) => {
    if (propertyKey !== undefined) throw new TypeError('@Reference: only constructor parameters can be references');
    const token = Symbol(`stages.reference#${index}`);
    const ctor = owner as object;
    // Own metadata only: a subclass has its own constructor, so its parameters are its own.
    const list = (Reflect.getOwnMetadata(REFERENCES_KEY, ctor) as ReferenceMetadata[] | undefined) ?? [];
    list.push(Object.freeze({ index, token, target, options }));
    Reflect.defineMetadata(REFERENCES_KEY, list, ctor);
    inject(token)(owner, undefined, index);
  };
}

import { ownList, RPC_KEY, type RpcMetadata, type RpcOptions } from './metadata.js';

/** Exposes a method as a remote procedure. Records metadata only. */
export function Rpc(options: RpcOptions = {}): MethodDecorator {
  return (target, propertyKey) => {
    if (typeof propertyKey !== 'string') throw new TypeError('@Rpc: method names must be strings');
    const list = ownList<RpcMetadata>(RPC_KEY, target.constructor);
    const at = list.findIndex((m) => m.name === propertyKey);
    const entry = Object.freeze({ ...options, name: propertyKey });
    // A subclass re-decorating an inherited method replaces the base's options.
    if (at >= 0) list[at] = entry;
    else list.push(entry);
  };
}

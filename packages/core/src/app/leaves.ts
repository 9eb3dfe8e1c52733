import { StagesError } from '@stages/common';
import type { Registry } from '@stages/registry';
import * as registryPackage from '@stages/registry';
import type { ClientTransport, ServerTransport } from '@stages/rpc';
import * as rpcPackage from '@stages/rpc';

/**
 * The one place core looks up implementations in the leaf packages by name. The leaves are built at the same
 * time as core; looking them up here (rather than importing each class) lets core run with whatever has landed
 * and fail with a clear UNKNOWN_PLUGIN naming the missing piece otherwise.
 */
type Ctor<T> = new (...args: never[]) => T;

function find<T>(pkg: object, pkgName: string, name: string): Ctor<T> {
  const value = (pkg as Record<string, unknown>)[name];
  if (typeof value !== 'function') {
    throw new StagesError('UNKNOWN_PLUGIN', `${pkgName} does not export ${name} (not available in this version)`, {
      details: { package: pkgName, export: name },
    });
  }
  return value as Ctor<T>;
}

export function hasExport(pkg: 'registry' | 'rpc', name: string): boolean {
  const mod = (pkg === 'registry' ? registryPackage : rpcPackage) as Record<string, unknown>;
  return typeof mod[name] === 'function';
}

export function registryClass(name: string): new (options: Record<string, unknown>) => Registry {
  return find(registryPackage, '@stages/registry', name) as never;
}

export function rpcClass<T extends ServerTransport | ClientTransport | object>(
  name: string,
): new (
  options?: Record<string, unknown>,
) => T {
  return find(rpcPackage, '@stages/rpc', name) as never;
}

export function rpcExport<T>(name: string): T | undefined {
  return (rpcPackage as Record<string, unknown>)[name] as T | undefined;
}

export function registryExport<T>(name: string): T | undefined {
  return (registryPackage as Record<string, unknown>)[name] as T | undefined;
}

/** What the user chose; everything the templates need is derived from these four answers. */
export interface ProjectOptions {
  /** npm package name, Kubernetes object name, registry service name and image name at once. */
  readonly name: string;
  /** `json`: the framework's JSON codec over gRPC. `idl`: a .proto file, callable by any gRPC client too. */
  readonly mode: Mode;
  readonly capabilities: readonly Capability[];
  /**
   * `npm pack` tarballs of @stages/* (name -> path) to depend on instead of the registry (unpublished builds,
   * offline installs). They are copied into the project's vendor/, so it and its image build stay
   * self-contained. Absent: registry versions.
   */
  readonly localPackages?: ReadonlyMap<string, string>;
}

export type Mode = 'json' | 'idl';
export type Capability = 'cache' | 'data' | 'events';

export const MODES: readonly Mode[] = ['json', 'idl'];
export const CAPABILITIES: readonly Capability[] = ['cache', 'data', 'events'];

/** Names derived once so every template spells them the same way. */
export interface Names {
  /** `order-history` */
  readonly kebab: string;
  /** `OrderHistory` */
  readonly pascal: string;
  /** `OrderHistoryService` */
  readonly className: string;
  /** `orderhistory`: proto packages allow no dashes. */
  readonly protoPackage: string;
}

export function namesOf(name: string): Names {
  const pascal = name
    .split('-')
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
  return { kebab: name, pascal, className: `${pascal}Service`, protoPackage: name.replaceAll('-', '') };
}

import { StagesError } from '@stages/common';

/**
 * Where a layer lives. `app` absent: the namespace's shared layer; `profile` needs an app, so a profile is
 * always an application's profile (orders in prod), like Spring Cloud Config's `{application}-{profile}`.
 */
export interface Scope {
  namespace: string;
  app?: string | undefined;
  profile?: string | undefined;
}

export const ROOT = '/stages/config';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkName(kind: string, value: string): string {
  if (!NAME.test(value)) throw new StagesError('INVALID_ARGUMENT', `${kind} "${value}" must match ${NAME.source}`);
  return value;
}

/**
 * `/stages/config/<ns>/shared`, `/stages/config/<ns>/apps/<app>`, `/stages/config/<ns>/apps/<app>/profiles/<p>`.
 * Under each: `seq` (the version counter), `versions/v-NNNNNNNNNN`, `current`, and while a gray release runs, `gray`.
 */
export function scopeRoot(scope: Scope): string {
  const ns = `${ROOT}/${checkName('namespace', scope.namespace)}`;
  if (!scope.app) {
    if (scope.profile) throw new StagesError('INVALID_ARGUMENT', 'a profile belongs to an application: give --app too');
    return `${ns}/shared`;
  }
  const app = `${ns}/apps/${checkName('app', scope.app)}`;
  return scope.profile ? `${app}/profiles/${checkName('profile', scope.profile)}` : app;
}

export function scopePaths(scope: Scope) {
  const root = scopeRoot(scope);
  return { root, seq: `${root}/seq`, versions: `${root}/versions`, current: `${root}/current`, gray: `${root}/gray` };
}

/** The JSON Schema an application registered, read by the CLI to check values before publishing. */
export function schemaPath(namespace: string, app: string): string {
  return `${ROOT}/${checkName('namespace', namespace)}/apps/${checkName('app', app)}/schema`;
}

export function versionNode(version: number): string {
  return `v-${String(version).padStart(10, '0')}`;
}

export function scopeLabel(scope: Scope): string {
  return scope.app
    ? `${scope.namespace}/${scope.app}${scope.profile ? `/${scope.profile}` : ''}`
    : `${scope.namespace}/shared`;
}

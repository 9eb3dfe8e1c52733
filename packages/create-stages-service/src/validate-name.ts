import { builtinModules } from 'node:module';

/**
 * The one name becomes an npm package name, a Kubernetes Deployment/Service name, a DNS name other pods
 * resolve and an image name. So it must satisfy all of them at once: an RFC 1035 label (what Kubernetes asks
 * of Service names: lower case, digits and dashes, starting with a letter, at most 63 characters), which is
 * also a valid unscoped npm name. Returns the reason it is refused, or undefined when it is fine.
 */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.length > 63) return `"${name}" is ${name.length} characters long; Kubernetes names allow at most 63`;
  if (name.startsWith('@') || name.includes('/')) {
    return `"${name}" is scoped or has a slash; the name is also a DNS name, so use a plain one like "orders"`;
  }
  if (/[A-Z]/.test(name)) return `"${name}" has upper-case letters; npm and DNS names are lower case`;
  if (!/^[a-z]/.test(name)) return `"${name}" must start with a letter (a DNS label used as a Service name)`;
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    return `"${name}" may contain only a-z, 0-9 and "-", and must not end with "-"`;
  }
  if (builtinModules.includes(name)) return `"${name}" is a Node.js core module name; npm refuses it`;
  return undefined;
}

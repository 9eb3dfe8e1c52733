import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// OpenTelemetry's global registry refuses a reader whose API minor version is newer than the registrar's, so
// two copies of @opentelemetry/api (say common on 1.10, the SDK on 1.9) make every span and metric a silent
// no-op. One version in the whole tree keeps the leaves' instruments wired to the SDK core registers.
describe('OpenTelemetry API', () => {
  it('is installed in exactly one version across the workspace', () => {
    const root = new URL('..', import.meta.url).pathname;
    const out = execFileSync('npm', ['ls', '@opentelemetry/api', '--all', '--json'], { cwd: root, encoding: 'utf8' });
    const versions = new Set<string>();
    const walk = (node: { dependencies?: Record<string, { version?: string }> }) => {
      for (const [name, dep] of Object.entries(node.dependencies ?? {})) {
        if (name === '@opentelemetry/api' && dep.version) versions.add(dep.version);
        walk(dep as never);
      }
    };
    walk(JSON.parse(out));
    expect([...versions]).toHaveLength(1);
  });
});

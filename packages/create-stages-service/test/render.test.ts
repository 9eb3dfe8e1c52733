import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderProject, VERSIONS } from '../src/index.js';

const root = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
const core = JSON.parse(readFileSync(new URL('../../core/package.json', import.meta.url), 'utf8'));

describe('renderProject', () => {
  it('writes a JSON-mode project without capabilities and without a .proto', () => {
    const files = renderProject({ name: 'orders', mode: 'json', capabilities: [] });
    expect([...files.keys()].sort()).toEqual(
      [
        '.dockerignore',
        '.gitignore',
        'Dockerfile',
        'README.md',
        'config/stages.yaml',
        'k8s/deployment.yaml',
        'k8s/kustomization.yaml',
        'k8s/network-policy.yaml',
        'k8s/pdb.yaml',
        'k8s/service.yaml',
        'k8s/stages.yaml',
        'package.json',
        'src/main.ts',
        'src/service.ts',
        'test/service.test.ts',
        'tsconfig.json',
      ].sort(),
    );
    expect(files.get('src/service.ts')).toContain("@Service({ name: 'orders', version: '1.0.0' })");
    expect(files.get('src/service.ts')).toContain('export class OrdersService');
    expect(JSON.parse(files.get('package.json') as string).dependencies).toEqual({
      '@stages/core': VERSIONS.stages,
      zod: VERSIONS.zod,
    });
  });

  it('writes the .proto, a gRPC client test and the capability files for IDL mode with capabilities', () => {
    const files = renderProject({ name: 'order-history', mode: 'idl', capabilities: ['cache', 'data', 'events'] });
    expect(files.get('proto/order-history.proto')).toContain('package orderhistory;');
    expect(files.get('proto/order-history.proto')).toContain('service OrderHistory {');
    expect(files.get('src/service.ts')).toContain("service: 'orderhistory.OrderHistory'");
    expect(files.get('test/service.test.ts')).toContain('@grpc/proto-loader');
    for (const c of ['cache', 'data', 'events']) expect(files.has(`src/capabilities/${c}.ts`)).toBe(true);
    const pkg = JSON.parse(files.get('package.json') as string);
    expect(Object.keys(pkg.dependencies)).toEqual([
      '@stages/cache',
      '@stages/core',
      '@stages/data',
      '@stages/esb',
      'zod',
    ]);
    expect(files.get('Dockerfile')).toContain('COPY proto proto');
  });

  it('points @stages packages at local tarballs when given', () => {
    const files = renderProject({
      name: 'orders',
      mode: 'json',
      capabilities: [],
      localPackages: new Map([['@stages/core', '/packs/stages-core-0.1.0.tgz']]),
    });
    expect(JSON.parse(files.get('package.json') as string).dependencies['@stages/core']).toBe(
      'file:vendor/stages-core-0.1.0.tgz',
    );
    expect(files.get('Dockerfile')).toContain('COPY vendor vendor');
  });

  it('emits a Dockerfile whose runtime stage is non-root, exec-form and health-checked on readiness', () => {
    const dockerfile = renderProject({ name: 'orders', mode: 'json', capabilities: [] }).get('Dockerfile') as string;
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/health\/ready/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/src\/main.js"\]$/m);
  });

  it('emits Kubernetes YAML that parses, with probes, limits and a non-latest image tag', () => {
    const files = renderProject({ name: 'orders', mode: 'json', capabilities: [] });
    const deployment = parseAllDocuments(files.get('k8s/deployment.yaml') as string)[0]?.toJS();
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe('orders:0.1.0');
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(container.resources.limits).toEqual({ cpu: '500m', memory: '256Mi' });
    const service = parseAllDocuments(files.get('k8s/service.yaml') as string)[0]?.toJS();
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  it('asks for the versions this repository builds with', () => {
    expect(VERSIONS.typescript).toBe(`~${root.devDependencies.typescript.replace(/^[\^~]/, '')}`);
    expect(VERSIONS.typesNode).toBe(root.devDependencies['@types/node']);
    expect(VERSIONS.zod).toBe(core.dependencies.zod);
    expect(VERSIONS.stages).toBe(`^${core.version}`);
    expect(VERSIONS.node).toBe(root.engines.node);
  });
});

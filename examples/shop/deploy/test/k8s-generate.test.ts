import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type K8sSpec, renderK8s } from '../../../../packages/cli/src/commands/k8s.js';
import spec from '../k8s.spec.js';

const run = promisify(execFile);
const OUT = 'examples/shop/deploy/k8s/base/generated';

describe('stages k8s generate (the shop)', () => {
  it('regenerating from the spec gives the committed files (run `stages k8s generate` after editing the spec)', async () => {
    const { stdout } = await run(process.execPath, [
      'packages/cli/bin/stages.mjs',
      'k8s',
      'generate',
      '--spec',
      'examples/shop/deploy/k8s.spec.ts',
      '--out',
      OUT,
      '--check',
    ]);
    expect(stdout).toContain(`${OUT}: up to date (7 files)`);
  }, 60_000);

  it('adding a service to the spec adds its Deployment, Service, PDB and HPA', () => {
    const before = renderK8s(spec as K8sSpec);
    const units = [
      ...spec.units,
      { name: 'search-b', services: spec.units[5]?.services ?? [], autoscale: { min: 1, max: 2 } },
    ];
    const after = renderK8s({ ...(spec as K8sSpec), units });
    expect([...after.keys()].filter((k) => !before.has(k))).toEqual(['search-b.yaml']);
    const text = after.get('search-b.yaml') as string;
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']) {
      expect(text).toContain(`kind: ${kind}\n`);
    }
    expect(after.get('kustomization.yaml')).toContain('- search-b.yaml');
  });

  it('takes names and versions from the service descriptors and timing from config', () => {
    const files = renderK8s(spec as K8sSpec);
    const order = files.get('order.yaml') as string;
    expect(order).toMatch(/stages\.io\/services: order@\d+\.\d+\.\d+/);
    expect(order).toContain('- order\n'); // --services order
    // deregisterGraceMs 1000 + drainTimeoutMs 10000 -> 11 s, plus 5 s of margin.
    expect(order).toContain('terminationGracePeriodSeconds: 16');
    const slow = renderK8s({ ...(spec as K8sSpec), config: { drainTimeoutMs: 30_000, deregisterGraceMs: 2000 } });
    expect(slow.get('order.yaml')).toContain('terminationGracePeriodSeconds: 37');
    expect(order).toContain('name: stages_rpc_server_calls_per_second');
    expect(files.get('gateway.yaml')).not.toContain('stages_rpc_server_calls_per_second');
  });

  it('refuses an image without a tag, or tagged latest, and a unit name Kubernetes would refuse', () => {
    expect(() => renderK8s({ ...(spec as K8sSpec), image: 'stages/shop' })).toThrow(/explicit tag/);
    expect(() => renderK8s({ ...(spec as K8sSpec), image: 'stages/shop:latest' })).toThrow(/explicit tag/);
    expect(() => renderK8s({ ...(spec as K8sSpec), units: [{ name: 'Order_Svc', services: [] }] })).toThrow(
      /not a valid Kubernetes name/,
    );
  });
});

import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// scripts/validate-manifests.mjs as CI runs it, on a kustomization written here.
const run = promisify(execFile);
const SCRIPT = 'scripts/validate-manifests.mjs';
let dir: string;
const hasKubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const goodDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers:
        - name: api
          image: example/api:1.2.3
          readinessProbe: { httpGet: { path: /health/ready, port: 9090 } }
          livenessProbe: { httpGet: { path: /health/live, port: 9090 } }
          resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { cpu: 200m, memory: 128Mi } }
---
apiVersion: v1
kind: Service
metadata: { name: api }
spec:
  selector: { app: api }
  ports: [{ port: 80, targetPort: 9090 }]
`;
const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny }
spec: { podSelector: {}, policyTypes: [Ingress] }
`;
const broken = `apiVersion: apps/v1
kind: Deployment
metadata: { name: worker }
spec:
  replicas: two
  selector: { matchLabels: { app: worker } }
  template:
    metadata: { labels: { app: worker } }
    spec:
      containers:
        - name: worker
          image: example/worker:latest
          readinesProbe: { httpGet: { path: /health/ready, port: 9090 } }
        - name: sidecar
          image: example/sidecar
          readinessProbe: { tcpSocket: { port: 1 } }
          livenessProbe: { tcpSocket: { port: 1 } }
          resources: { requests: { cpu: 10m, memory: 8Mi }, limits: { cpu: 10m, memory: 8Mi } }
---
apiVersion: v1
kind: Service
metadata: { name: orphan }
spec:
  selector: { app: nobody }
  ports: [{ port: 80 }]
`;

async function kustomization(name: string, files: Record<string, string>): Promise<string> {
  const d = join(dir, name);
  await run('mkdir', ['-p', d]);
  for (const [file, text] of Object.entries(files)) await writeFile(join(d, file), text);
  const resources = Object.keys(files)
    .map((f) => `  - ${f}`)
    .join('\n');
  await writeFile(join(d, 'kustomization.yaml'), `resources:\n${resources}\n`);
  return d;
}

async function validate(d: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, d]);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stages-manifests-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('scripts/validate-manifests.mjs', () => {
  it('passes a well-formed kustomization', async () => {
    const d = await kustomization('good', { 'app.yaml': goodDeployment, 'policy.yaml': policy });
    const { code, out } = await validate(d);
    expect(out).toContain('ok: 1 kustomizations, 3 documents, 0 problems');
    expect(code).toBe(0);
  });

  it('fails a broken one with one clear line per problem', async () => {
    const d = await kustomization('broken', { 'app.yaml': broken });
    const { code, out } = await validate(d);
    expect(code).toBe(1);
    const lines = out.split('\n').filter((l) => l.startsWith('FAIL'));
    const expected = [
      /Deployment\/worker: schema: \/spec\/replicas must be integer/,
      /Deployment\/worker: container worker: unknown field "readinesProbe"/,
      /Deployment\/worker: container worker has no readinessProbe/,
      /Deployment\/worker: container worker has no livenessProbe/,
      /Deployment\/worker: container worker has no cpu\/memory limits/,
      /Deployment\/worker: container worker image example\/worker:latest uses the tag "latest"/,
      /Deployment\/worker: container sidecar image example\/sidecar has no tag/,
      /Service\/orphan: selects no workload's pods \(app=nobody\)/,
      /: no NetworkPolicy$/,
    ];
    for (const pattern of expected)
      expect(
        lines.some((l) => pattern.test(l)),
        String(pattern),
      ).toBe(true);
    expect(out).toMatch(/FAILED: 1 kustomizations, 2 documents, \d+ problems/);
  });

  // Without kubectl the script reads the files as they are, so a broken kustomization.yaml goes unnoticed.
  it.skipIf(!hasKubectl)('reports a kustomization that does not render', async () => {
    const d = await kustomization('missing', {});
    await writeFile(join(d, 'kustomization.yaml'), 'resources:\n  - nothing-here.yaml\n');
    const { code, out } = await validate(d);
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL .*missing: kubectl kustomize failed/);
  });
});

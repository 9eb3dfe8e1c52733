#!/usr/bin/env node
// Validates the Kubernetes manifests offline (CI runs it; no cluster, no network):
//   1. `kubectl kustomize` renders every overlay (kubectl absent: the base's YAML files are read directly);
//   2. every document validates against the Kubernetes schemas shipped in npm `kubernetes-models`;
//   3. checks the schemas cannot express: every container has readiness and liveness probes and CPU/memory
//      limits; every Service with a selector selects some workload's pod labels; every image has an explicit
//      tag that is not `latest`; a NetworkPolicy exists; container fields are spelled right (the schema
//      validator ignores unknown fields, so `readinesProbe:` would otherwise pass unnoticed).
// Prints one line per problem ("FAIL <source> <Kind>/<name>: <what>") and exits 1 if there is any.
// Usage: node scripts/validate-manifests.mjs [kustomize-dir ...]
// (default: the shop's overlays, and a scaffolded project's k8s/ when create-stages-service is built)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_DIRS = ['examples/shop/deploy/k8s/overlays/local', 'examples/shop/deploy/k8s/overlays/cloud'];
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
const CONTAINER_FIELDS = new Set([
  'name',
  'image',
  'imagePullPolicy',
  'command',
  'args',
  'workingDir',
  'ports',
  'env',
  'envFrom',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'volumeMounts',
  'volumeDevices',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
]);

/** Parses a multi-document YAML text; a syntax error is a problem, not a crash. */
export function parseManifests(text, source) {
  const problems = [];
  const docs = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      problems.push(`FAIL ${source}: YAML: ${doc.errors[0].message.split('\n')[0]}`);
      continue;
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) docs.push(value);
  }
  return { docs, problems };
}

const modelCache = new Map();
/** The kubernetes-models class for apiVersion + kind, or undefined when the package has none (CRDs). */
async function modelFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!modelCache.has(key)) {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`).catch(() => undefined);
    modelCache.set(key, module?.[kind]);
  }
  return modelCache.get(key);
}

const id = (doc) => `${doc?.kind ?? '?'}/${doc?.metadata?.name ?? '?'}`;
const podSpecOf = (doc) => (doc.kind === 'Job' ? doc.spec?.template?.spec : doc.spec?.template?.spec);

/** Schema validation plus the own checks, over all documents of one rendered source. Returns problem lines. */
export async function validateDocuments(docs, source) {
  const problems = [];
  const fail = (doc, message) => problems.push(`FAIL ${source} ${id(doc)}: ${message}`);

  for (const doc of docs) {
    if (typeof doc !== 'object' || !doc.apiVersion || !doc.kind) {
      problems.push(`FAIL ${source}: a document without apiVersion/kind`);
      continue;
    }
    if (!doc.metadata?.name) fail(doc, 'metadata.name is missing');
    const Model = await modelFor(doc.apiVersion, doc.kind);
    if (!Model) {
      fail(doc, `unknown apiVersion/kind ${doc.apiVersion} ${doc.kind} (not in the Kubernetes schemas)`);
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (error) {
      const details = error.errors?.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
      fail(doc, `schema: ${details || error.message}`);
    }
  }

  const workloads = docs.filter((d) => WORKLOADS.has(d.kind));
  for (const doc of workloads) {
    const pod = podSpecOf(doc);
    if (!pod) continue;
    const selector = doc.spec?.selector?.matchLabels ?? {};
    const labels = doc.spec?.template?.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(selector)) {
      if (labels[k] !== v) fail(doc, `selector ${k}=${v} does not match the pod template's labels`);
    }
    const all = [...(pod.initContainers ?? []).map((c) => [c, true]), ...(pod.containers ?? []).map((c) => [c, false])];
    for (const [c, init] of all) {
      const where = `${init ? 'init container' : 'container'} ${c.name}`;
      for (const field of Object.keys(c)) {
        if (!CONTAINER_FIELDS.has(field)) fail(doc, `${where}: unknown field "${field}"`);
      }
      if (!init && doc.kind !== 'Job') {
        if (!c.readinessProbe) fail(doc, `${where} has no readinessProbe`);
        if (!c.livenessProbe) fail(doc, `${where} has no livenessProbe`);
      }
      if (!c.resources?.limits?.cpu || !c.resources?.limits?.memory) fail(doc, `${where} has no cpu/memory limits`);
      if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) {
        fail(doc, `${where} has no cpu/memory requests`);
      }
      const image = String(c.image ?? '');
      const tag = image.includes('@') ? 'digest' : /:([^/:]+)$/.exec(image)?.[1];
      if (!image) fail(doc, `${where} has no image`);
      else if (!tag) fail(doc, `${where} image ${image} has no tag`);
      else if (tag === 'latest') fail(doc, `${where} image ${image} uses the tag "latest"`);
    }
  }

  for (const svc of docs.filter((d) => d.kind === 'Service')) {
    const selector = svc.spec?.selector;
    if (svc.spec?.type === 'ExternalName' || !selector || Object.keys(selector).length === 0) continue;
    const namespace = svc.metadata?.namespace;
    const selects = workloads.some((w) => {
      if ((w.metadata?.namespace ?? namespace) !== namespace) return false;
      const labels = w.spec?.template?.metadata?.labels ?? {};
      return Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    if (!selects) {
      const wanted = Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      fail(svc, `selects no workload's pods (${wanted})`);
    }
  }

  if (!docs.some((d) => d.kind === 'NetworkPolicy')) problems.push(`FAIL ${source}: no NetworkPolicy`);
  return problems;
}

/** `kubectl kustomize dir`, or, without kubectl, the YAML files under dir read directly. */
function render(dir) {
  try {
    return {
      text: execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    };
  } catch (error) {
    if (error.code !== 'ENOENT') {
      return {
        error: `kubectl kustomize failed: ${String(error.stderr ?? error.message)
          .trim()
          .split('\n')
          .pop()}`,
      };
    }
    const base = existsSync(join(dir, '../../base')) ? join(dir, '../../base') : dir;
    const files = [];
    const walk = (d) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.ya?ml$/.test(f) && !/^kustomization\.ya?ml$/.test(f)) files.push(p);
      }
    };
    walk(base);
    return { text: files.map((f) => readFileSync(f, 'utf8')).join('\n---\n'), fallback: base };
  }
}

export async function main(dirs) {
  let problems = [];
  let count = 0;
  for (const dir of dirs) {
    const source = relative(process.cwd(), dir) || dir;
    const rendered = render(dir);
    if (rendered.error) {
      problems.push(`FAIL ${source}: ${rendered.error}`);
      continue;
    }
    if (rendered.fallback)
      console.log(`kubectl not found: validating ${relative(process.cwd(), rendered.fallback)} as is`);
    const { docs, problems: parseProblems } = parseManifests(rendered.text, source);
    count += docs.length;
    problems = problems.concat(parseProblems, await validateDocuments(docs, source));
  }
  for (const line of problems) console.error(line);
  console.log(
    `${problems.length === 0 ? 'ok' : 'FAILED'}: ${dirs.length} kustomizations, ${count} documents, ${problems.length} problems`,
  );
  return problems.length === 0 ? 0 : 1;
}

/**
 * The manifests `npm create stages-service` writes, rendered for a sample project into a temp dir (when the
 * scaffolder is built: CI builds before validating), so the template is held to the same rules.
 */
async function scaffoldedProject() {
  const dist = join(ROOT, 'packages/create-stages-service/dist/index.js');
  if (!existsSync(dist)) return undefined;
  const { renderProject, writeProject } = await import(pathToFileURL(dist).href);
  const dir = mkdtempSync(join(tmpdir(), 'stages-scaffold-k8s-'));
  await writeProject(dir, renderProject({ name: 'sample', mode: 'idl', capabilities: ['cache', 'data', 'events'] }));
  return dir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const dirs = args.length > 0 ? args : DEFAULT_DIRS.map((d) => join(ROOT, d));
  const scaffolded = args.length > 0 ? undefined : await scaffoldedProject();
  if (scaffolded) dirs.push(join(scaffolded, 'k8s'));
  try {
    process.exitCode = await main(dirs);
  } finally {
    if (scaffolded) rmSync(scaffolded, { recursive: true, force: true });
  }
}

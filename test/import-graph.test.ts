import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Imports point one way (../shared/DESIGN.md): leaves never import @stages/core, and packages form no cycle.
// Read from the sources themselves, so an import that sneaks in without a package.json entry is caught too.
const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');
const LEAVES = ['common', 'registry', 'rpc', 'config', 'cache', 'data', 'esb'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** package dir name -> the @stages packages its src/ imports (static imports, re-exports and dynamic imports). */
function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const pkg of readdirSync(packagesDir)) {
    const src = join(packagesDir, pkg, 'src');
    let files: string[] = [];
    try {
      files = sourceFiles(src);
    } catch {
      continue;
    }
    const deps = new Set<string>();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      // TypeScript's own scanner: real imports, re-exports and dynamic imports, not text inside strings
      // (the scaffolder's templates hold `import ... from '@stages/core'` as string content).
      for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
        const m = /^@stages\/([a-z-]+)$/.exec(fileName);
        if (m?.[1] && m[1] !== pkg) deps.add(m[1]);
      }
    }
    graph.set(pkg, deps);
  }
  return graph;
}

function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('package imports', () => {
  const graph = importGraph();

  it('finds the packages', () => {
    for (const leaf of LEAVES) expect(graph.has(leaf)).toBe(true);
  });

  it.each(LEAVES)('leaf package %s never imports @stages/core', (leaf) => {
    expect([...(graph.get(leaf) ?? [])]).not.toContain('core');
  });

  it('common imports no other Stages package', () => {
    expect([...(graph.get('common') ?? [])]).toEqual([]);
  });

  it('has no import cycle between packages', () => {
    expect(findCycle(graph)).toBeUndefined();
  });

  it('detects a cycle when there is one (the check itself works)', () => {
    const cyclic = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ]);
    expect(findCycle(cyclic)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('declares every imported Stages package as a dependency', () => {
    for (const [pkg, deps] of graph) {
      const manifest = JSON.parse(readFileSync(join(packagesDir, pkg, 'package.json'), 'utf8'));
      const declared = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
      for (const dep of deps) expect(declared, `${pkg} imports @stages/${dep}`).toContain(`@stages/${dep}`);
    }
  });
});

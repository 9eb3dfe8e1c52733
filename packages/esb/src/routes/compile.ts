import { StagesError } from '@stages/common';
import { parse as parseYaml } from 'yaml';
import type { CompiledEndpoint, CompiledRoute, CompiledStep } from './compiled-route.js';
import { compileCondition, compileExpression, invalid } from './expression.js';
import { compilePath } from './path-match.js';
import { type Endpoint, type ParsedRoute, RouteDocument, type RouteFunction, type Step } from './schema.js';

export interface CompileContext {
  readonly functions: Readonly<Record<string, RouteFunction>>;
  /** Origins an `http` endpoint may target besides loopback, e.g. `http://10.0.0.5:8080` for a configured upstream. */
  readonly upstreams: readonly string[];
  readonly hasBus: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Parses (YAML or an object), validates with zod and compiles a whole route document, or throws ROUTE_INVALID
 * naming the first problem. All or nothing: one bad route rejects the document.
 */
export function compileDocument(source: unknown, ctx: CompileContext): CompiledRoute[] {
  let raw = source;
  if (typeof source === 'string') {
    try {
      raw = parseYaml(source);
    } catch (error) {
      throw new StagesError('ROUTE_INVALID', `routes: not valid YAML: ${(error as Error).message}`);
    }
  }
  // Pick the shape first: a union over the whole document would only say "Invalid input" at its root.
  const list = Array.isArray(raw) ? raw : (raw as { routes?: unknown } | null)?.routes;
  if (!Array.isArray(list))
    throw new StagesError('ROUTE_INVALID', 'routes: expected a list of routes or { routes: [...] }');
  const parsed = RouteDocument.element.safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [index, ...rest] = issue.path;
    const id = (list[index as number] as { id?: unknown } | undefined)?.id;
    const where = `route ${typeof id === 'string' ? id : `#${String(index)}`}`;
    throw new StagesError('ROUTE_INVALID', `${where}: ${rest.join('.') || '(route)'}: ${issue.message}`, {
      details: {
        issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String), message: i.message })),
      },
    });
  }
  const routes = parsed.data as ParsedRoute[];
  const ids = new Set<string>();
  const httpKeys = new Set<string>();
  return routes.map((def) => {
    const where = `route ${def.id}`;
    if (ids.has(def.id)) throw invalid(where, 'duplicate route id');
    ids.add(def.id);
    if ('http' in def.from) {
      const key = `${def.from.http.method} ${def.from.http.path}`;
      if (httpKeys.has(key)) throw invalid(where, `another route already takes ${key}`);
      httpKeys.add(key);
    }
    if ('topic' in def.from && !ctx.hasBus)
      throw invalid(where, 'a topic source needs the engine to have an event bus');
    const to = (Array.isArray(def.to) ? def.to : [def.to]).map((e, i) => compileEndpoint(e, ctx, `${where} to[${i}]`));
    return {
      id: def.id,
      definition: def,
      steps: compileSteps(def.steps, ctx, `${where} steps`),
      to,
      ...('http' in def.from ? { matchPath: compilePath(def.from.http.path) } : {}),
    };
  });
}

function compileSteps(steps: readonly Step[], ctx: CompileContext, where: string): CompiledStep[] {
  return steps.map((step, i): CompiledStep => {
    const at = `${where}[${i}]`;
    if ('transform' in step)
      return { kind: 'transform', evaluate: compileExpression(step.transform, ctx.functions, at) };
    if ('filter' in step) return { kind: 'filter', test: compileCondition(step.filter, ctx.functions, at) };
    if ('split' in step) return { kind: 'split', evaluate: compileExpression(step.split, ctx.functions, at) };
    if ('enrich' in step) {
      const e = step.enrich;
      return {
        kind: 'enrich',
        service: e.service,
        call: e.call,
        ...(e.input ? { input: compileExpression(e.input, ctx.functions, `${at}.input`) } : {}),
        ...(e.as ? { as: e.as } : {}),
      };
    }
    const branches = step.choice.map((b, j) =>
      'when' in b
        ? {
            test: compileCondition(b.when, ctx.functions, `${at}.choice[${j}]`),
            steps: compileSteps(b.steps, ctx, `${at}.choice[${j}]`),
          }
        : { steps: compileSteps(b.otherwise, ctx, `${at}.choice[${j}]`) },
    );
    const otherwise = branches.findIndex((b) => !('test' in b));
    if (otherwise !== -1 && otherwise !== branches.length - 1)
      throw invalid(at, 'otherwise must be the last branch of a choice');
    return { kind: 'choice', branches };
  });
}

function compileEndpoint(e: Endpoint, ctx: CompileContext, where: string): CompiledEndpoint {
  if ('service' in e) {
    return {
      kind: 'service',
      service: e.service,
      call: e.call,
      label: `${e.service}.${e.call}`,
      ...(e.timeoutMs ? { timeoutMs: e.timeoutMs } : {}),
    };
  }
  if ('topic' in e) {
    if (!ctx.hasBus) throw invalid(where, 'a topic endpoint needs the engine to have an event bus');
    return {
      kind: 'topic',
      topic: e.topic,
      label: `topic ${e.topic}`,
      ...(e.key ? { key: compileExpression(e.key, ctx.functions, `${where}.key`) } : {}),
    };
  }
  const url = new URL(e.http.url);
  if (!LOOPBACK.has(url.hostname) && !ctx.upstreams.includes(url.origin)) {
    throw invalid(where, `${url.origin} is neither loopback nor a configured upstream`);
  }
  const method = e.http.method ?? 'POST';
  return { kind: 'http', url: url.href, method, label: `${method} ${url.href}` };
}

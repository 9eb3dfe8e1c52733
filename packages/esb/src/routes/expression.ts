import { createRequire } from 'node:module';
import { StagesError } from '@stages/common';
import type jsonataType from 'jsonata';
import type { Condition, Exchange, Expression, RouteFunction } from './schema.js';

// Loaded on the first JSONata expression, not with the package: @stages/core re-exports the route builder, and
// an app with no JSONata routes should not pay for the library at start-up. Synchronous, because routes compile
// synchronously when a document is applied.
let jsonataModule: typeof jsonataType | undefined;
function jsonata(expression: string): ReturnType<typeof jsonataType> {
  jsonataModule ??= createRequire(import.meta.url)('jsonata') as typeof jsonataType;
  return jsonataModule(expression);
}

/** A compiled expression: the body (and headers) in, a value out. */
export type Evaluate = (exchange: Exchange) => Promise<unknown>;

/**
 * Compiles an expression once, when the route document is loaded: a JSONata syntax error or an unknown
 * function name rejects the document (ROUTE_INVALID), never a message at run time.
 */
export function compileExpression(
  expr: Expression,
  functions: Readonly<Record<string, RouteFunction>>,
  where: string,
): Evaluate {
  if ('jsonata' in expr) {
    let compiled: ReturnType<typeof jsonata>;
    try {
      compiled = jsonata(expr.jsonata);
    } catch (error) {
      throw invalid(where, `JSONata: ${(error as Error).message}`);
    }
    return async (ex) => {
      try {
        return await compiled.evaluate(ex.body, { headers: ex.headers });
      } catch (error) {
        throw new StagesError(
          'INVALID_ARGUMENT',
          `${where}: JSONata failed on this message: ${(error as Error).message}`,
        );
      }
    };
  }
  const f = typeof expr.fn === 'string' ? functions[expr.fn] : expr.fn;
  if (typeof f !== 'function')
    throw invalid(
      where,
      `unknown function "${String(expr.fn)}"; known: ${Object.keys(functions).join(', ') || 'none'}`,
    );
  return async (ex) => f(ex.body, ex);
}

/** A condition: header test, or an expression whose result is read as a boolean. */
export function compileCondition(cond: Condition, functions: Readonly<Record<string, RouteFunction>>, where: string) {
  if ('header' in cond) {
    const name = cond.header.toLowerCase();
    let pattern: RegExp | undefined;
    try {
      pattern = cond.matches === undefined ? undefined : new RegExp(cond.matches);
    } catch (error) {
      throw invalid(where, `bad regular expression: ${(error as Error).message}`);
    }
    return async (ex: Exchange) => {
      const value = ex.headers[name];
      if (value === undefined) return false;
      if (cond.equals !== undefined && value !== cond.equals) return false;
      return pattern === undefined || pattern.test(value);
    };
  }
  const evaluate = compileExpression(cond, functions, where);
  return async (ex: Exchange) => Boolean(await evaluate(ex));
}

export function invalid(where: string, message: string, details: Record<string, unknown> = {}) {
  return new StagesError('ROUTE_INVALID', `${where}: ${message}`, { details: { where, ...details } });
}

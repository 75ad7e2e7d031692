/**
 * An upper bound of a CEL expression's evaluation cost over one input, computed before evaluating.
 * @bufbuild/cel has no cost limit or step budget of its own, so ocisign estimates, like Kubernetes' CEL cost
 * model with sizes taken from the actual input (see input-shape.ts): 1 per node; a macro (all, exists, map,
 * filter, exists_one) costs its body times the most elements found at the iterated path; string functions
 * and equality cost by the longest string (per 32 characters) or collection at the operands' paths; `in` by
 * the list length. Nested macros multiply. An expression whose bound exceeds the budget is not evaluated.
 */
import type { parse } from '@bufbuild/cel';
import { statsOf, type InputShape } from './input-shape.ts';

type Expr = ReturnType<typeof parse>['expr'];

interface Est {
  cost: number;
  /** The input path the value comes from, when known statically. */
  path?: string;
  /** Length of a string literal. */
  literal?: number;
}

const STRING_FUNCS = new Set(['contains', 'startsWith', 'endsWith', 'matches', '_+_', '_<_', '_<=_', '_>_', '_>=_', 'lowerAscii', 'upperAscii', 'replace', 'split', 'indexOf', 'lastIndexOf', 'substring', 'trim', 'join']);
const EQUALITY = new Set(['_==_', '_!=_']);

export function estimateCost(expr: Expr, shape: InputShape, roots: ReadonlyMap<string, string>): number {
  return est(expr, shape, new Map(roots)).cost;
}

function est(e: Expr, shape: InputShape, scope: Map<string, string | undefined>): Est {
  const k = e.exprKind;
  switch (k.case) {
    case 'constExpr':
      return { cost: 1, literal: k.value.constantKind.case === 'stringValue' ? k.value.constantKind.value.length : undefined };
    case 'identExpr':
      return { cost: 1, path: scope.get(k.value.name) };
    case 'selectExpr': {
      const o = est(k.value.operand!, shape, scope);
      return { cost: o.cost + 1, path: o.path === undefined ? undefined : `${o.path}.${k.value.field}` };
    }
    case 'listExpr':
      return { cost: 1 + sum(k.value.elements.map((x) => est(x, shape, scope).cost)) };
    case 'structExpr':
      return { cost: 1 + sum(k.value.entries.map((x) => est(x.value!, shape, scope).cost + (x.keyKind.case === 'mapKey' ? est(x.keyKind.value, shape, scope).cost : 0))) };
    case 'comprehensionExpr':
      return comprehension(k.value, shape, scope);
    case 'callExpr':
      return call(k.value.function, k.value.target, k.value.args, shape, scope);
    default:
      return { cost: 1 };
  }
}

function comprehension(c: Extract<Expr['exprKind'], { case: 'comprehensionExpr' }>['value'], shape: InputShape, scope: Map<string, string | undefined>): Est {
  const range = est(c.iterRange!, shape, scope);
  const stats = statsOf(shape, range.path);
  const n = stats.len;
  const inner = new Map(scope);
  inner.set(c.iterVar, stats.list && range.path !== undefined ? `${range.path}[]` : undefined);
  if (c.iterVar2) inner.set(c.iterVar2, undefined);
  inner.set(c.accuVar, undefined);
  const body = est(c.loopCondition!, shape, inner).cost + est(c.loopStep!, shape, inner).cost;
  const init = est(c.accuInit!, shape, scope).cost;
  const result = est(c.result!, shape, inner).cost;
  return { cost: range.cost + init + n * body + result };
}

function call(name: string, target: Expr | undefined, args: readonly Expr[], shape: InputShape, scope: Map<string, string | undefined>): Est {
  const parts = [...(target ? [est(target, shape, scope)] : []), ...args.map((a) => est(a, shape, scope))];
  let cost = 1 + sum(parts.map((p) => p.cost));
  if (STRING_FUNCS.has(name)) cost += Math.ceil(Math.max(...parts.map((p) => strLen(p, shape))) / 32);
  if (EQUALITY.has(name)) cost += Math.max(...parts.map((p) => strLen(p, shape) / 32 + collectionLen(p, shape)));
  if (name === '@in') cost += collectionLen(parts[parts.length - 1]!, shape);
  if (name === '_[_]') {
    const [base, index] = [parts[0]!, args[1]!.exprKind];
    const step = index.case === 'constExpr' && index.value.constantKind.case === 'stringValue' ? `.${index.value.constantKind.value}` : '[]';
    return { cost, path: base.path === undefined ? undefined : `${base.path}${step}` };
  }
  return { cost };
}

function strLen(p: Est, shape: InputShape): number {
  return p.literal ?? statsOf(shape, p.path).str;
}

function collectionLen(p: Est, shape: InputShape): number {
  return p.literal !== undefined ? 0 : statsOf(shape, p.path).len;
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

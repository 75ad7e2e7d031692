/**
 * CEL conditions of a policy: compiled (parsed, statically checked, planned) when the policy is loaded, and
 * evaluated over one in-toto statement with a cost bound computed before evaluation (see cel-cost.ts).
 * Variables: `statement` (the whole statement, as cosign's policies see it), `predicate`, `predicateType`,
 * `subject`. Evaluation has no side effects and no I/O: CEL has neither.
 */
import { celEnv, CelScalar, isCelError, listType, mapType, parse, plan } from '@bufbuild/cel';
import { estimateCost } from './cel-cost.ts';
import { CelCheckError, checkExpression } from './cel-check.ts';
import { measureInput, type InputShape } from './input-shape.ts';

export interface CelLimits {
  /** Longest expression source accepted, in characters. */
  maxExpressionLength: number;
  /** Most AST nodes in one expression. */
  maxNodes: number;
  /** Largest estimated evaluation cost over the input (see cel-cost.ts). */
  maxCost: number;
}

export const DEFAULT_CEL_LIMITS: Readonly<CelLimits> = Object.freeze({ maxExpressionLength: 8192, maxNodes: 2000, maxCost: 10_000_000 });

const VARIABLES = {
  statement: mapType(CelScalar.STRING, CelScalar.DYN),
  predicate: CelScalar.DYN,
  predicateType: CelScalar.STRING,
  subject: listType(CelScalar.DYN),
};
const CHECK_TYPES = { statement: 'map', predicate: 'dyn', predicateType: 'string', subject: 'list' };
/** Where each variable sits in the measured input (rooted at `statement`). */
const ROOTS = new Map([['statement', 'statement'], ['predicate', 'statement.predicate'], ['predicateType', 'statement.predicateType'], ['subject', 'statement.subject']]);

const env = celEnv({ variables: VARIABLES });

/** A planned expression (typed loosely: the library's binding types cannot be named in declarations). */
type Program = (bindings: Record<string, unknown>) => unknown;
type Expr = ReturnType<typeof parse>['expr'];

export interface CompiledCondition {
  source: string;
  expr: Expr;
  program: Program;
}

/** Parse, check and plan; a string is why the expression is refused. */
export function compileCondition(source: string, limits: CelLimits = DEFAULT_CEL_LIMITS): CompiledCondition | string {
  if (source.length > limits.maxExpressionLength) return `expression is ${source.length} characters, more than the limit of ${limits.maxExpressionLength}`;
  let parsed;
  try {
    parsed = parse(source);
  } catch (err) {
    return `syntax error: ${firstLine(err)}`;
  }
  const nodes = countNodes(parsed.expr);
  if (nodes > limits.maxNodes) return `expression has ${nodes} nodes, more than the limit of ${limits.maxNodes}`;
  try {
    checkExpression(env, parsed.expr, CHECK_TYPES);
  } catch (err) {
    if (err instanceof CelCheckError) return `does not type-check: ${err.message}`;
    throw err;
  }
  try {
    return { source, expr: parsed.expr, program: plan(env, parsed) as unknown as Program };
  } catch (err) {
    return `cannot be planned: ${firstLine(err)}`;
  }
}

/** The statement as CEL sees it, with its size profile (measured once per statement). */
export interface CelInput {
  statement: Record<string, unknown>;
  shape: InputShape;
}

export function celInput(statement: Record<string, unknown>): CelInput {
  return { statement, shape: measureInput(statement, 'statement') };
}

export type ConditionResult = { ok: true } | { ok: false; reason: string };

/** Evaluate one condition: true passes; false, an error or a non-bool fails; an over-budget one is not run. */
export function evaluateCondition(cond: CompiledCondition, input: CelInput, maxCost = DEFAULT_CEL_LIMITS.maxCost): ConditionResult {
  const cost = estimateCost(cond.expr, input.shape, ROOTS);
  if (cost > maxCost) {
    return { ok: false, reason: `would run too long: estimated cost ${Math.round(cost)} over this statement, more than the limit of ${maxCost}` };
  }
  const s = input.statement;
  const result = cond.program({
    statement: s,
    predicate: s.predicate ?? null,
    predicateType: String(s.predicateType ?? ''),
    subject: Array.isArray(s.subject) ? s.subject : [],
  });
  if (isCelError(result)) return { ok: false, reason: `evaluation error: ${result.message}` };
  if (result === true) return { ok: true };
  if (result === false) return { ok: false, reason: 'evaluated to false' };
  return { ok: false, reason: `evaluated to a non-bool value` };
}

function countNodes(e: unknown): number {
  let n = 0;
  const stack: unknown[] = [e];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || typeof x !== 'object') continue;
    if ((x as { $typeName?: string }).$typeName === 'cel.expr.Expr') n++;
    for (const v of Object.values(x)) if (v !== null && typeof v === 'object') stack.push(v);
  }
  return n;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

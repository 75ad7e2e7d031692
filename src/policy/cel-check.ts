/**
 * A static check of CEL expressions at policy load. @bufbuild/cel 0.6 neither exports nor completes a type
 * checker (its `check` rejects calls, selects and macros), so ocisign checks what a checker must catch for
 * JSON inputs: undeclared variables, unknown functions, calls no overload accepts (by argument count and the
 * types known statically), field selection on a scalar, non-bool conditions of `&&`, `||`, `!`, `?:` and macros,
 * a result that is not bool, and constant `matches` patterns that do not compile (RE2, linear time).
 */
import { isCelError, run, type CelEnv, type parse } from '@bufbuild/cel';

type Expr = ReturnType<typeof parse>['expr'];

/** A CEL type by name: scalars, `list`, `map`, `google.protobuf.Timestamp`/`Duration`; `dyn` when unknown. */
export type TypeName = string;

export class CelCheckError extends Error {}

const LOGIC = new Set(['_&&_', '_||_']);

export function checkExpression(env: CelEnv, expr: Expr, variables: Readonly<Record<string, TypeName>>): TypeName {
  const result = typeOf(env, expr, new Map(Object.entries(variables)));
  if (result !== 'bool' && result !== 'dyn') throw new CelCheckError(`expression gives ${result}, not bool`);
  return result;
}

function typeOf(env: CelEnv, e: Expr, scope: Map<string, TypeName>): TypeName {
  const k = e.exprKind;
  switch (k.case) {
    case 'constExpr':
      return constType(k.value.constantKind.case);
    case 'identExpr': {
      const t = scope.get(k.value.name);
      if (t === undefined) throw new CelCheckError(`undeclared reference to '${k.value.name}'`);
      return t;
    }
    case 'selectExpr': {
      const t = typeOf(env, k.value.operand!, scope);
      if (t !== 'dyn' && t !== 'map') throw new CelCheckError(`cannot select field '${k.value.field}' of a ${t}`);
      return k.value.testOnly ? 'bool' : 'dyn';
    }
    case 'listExpr':
      for (const x of k.value.elements) typeOf(env, x, scope);
      return 'list';
    case 'structExpr':
      if (k.value.messageName !== '') throw new CelCheckError(`unknown message type '${k.value.messageName}'`);
      for (const entry of k.value.entries) {
        if (entry.keyKind.case === 'mapKey') typeOf(env, entry.keyKind.value, scope);
        typeOf(env, entry.value!, scope);
      }
      return 'map';
    case 'comprehensionExpr':
      return comprehensionType(env, k.value, scope);
    case 'callExpr':
      return callType(env, k.value.function, k.value.target, k.value.args, scope);
    default:
      throw new CelCheckError(`unsupported expression`);
  }
}

function comprehensionType(env: CelEnv, c: Extract<Expr['exprKind'], { case: 'comprehensionExpr' }>['value'], scope: Map<string, TypeName>): TypeName {
  const range = typeOf(env, c.iterRange!, scope);
  if (!['dyn', 'list', 'map'].includes(range)) throw new CelCheckError(`cannot iterate over a ${range}`);
  const accu = typeOf(env, c.accuInit!, scope);
  const inner = new Map(scope);
  inner.set(c.iterVar, 'dyn');
  if (c.iterVar2) inner.set(c.iterVar2, 'dyn');
  inner.set(c.accuVar, accu);
  requireBool(typeOf(env, c.loopCondition!, inner), 'loop condition');
  typeOf(env, c.loopStep!, inner);
  const resultScope = new Map(scope);
  resultScope.set(c.accuVar, accu);
  return typeOf(env, c.result!, resultScope);
}

function callType(env: CelEnv, name: string, target: Expr | undefined, args: readonly Expr[], scope: Map<string, TypeName>): TypeName {
  const targetType = target ? typeOf(env, target, scope) : undefined;
  const argTypes = args.map((a) => typeOf(env, a, scope));
  if (LOGIC.has(name)) {
    argTypes.forEach((t) => requireBool(t, `operand of ${name.replaceAll('_', '')}`));
    return 'bool';
  }
  if (name === '@not_strictly_false') return 'bool';
  if (name === '_?_:_') {
    requireBool(argTypes[0]!, 'condition of ?:');
    return argTypes[1] === argTypes[2] ? argTypes[1]! : 'dyn';
  }
  if (name === '_[_]') {
    if (!['dyn', 'list', 'map'].includes(argTypes[0]!)) throw new CelCheckError(`cannot index a ${argTypes[0]}`);
    return 'dyn';
  }
  if (name === 'matches') checkPattern(target ? args[0] : args[1]);
  return overloadResult(env, name, targetType, argTypes);
}

function overloadResult(env: CelEnv, name: string, targetType: TypeName | undefined, argTypes: TypeName[]): TypeName {
  const group = env.funcs.find(name);
  if (!group) throw new CelCheckError(`undeclared function '${name}'`);
  const shaped = [...group].filter((f) => (f.target !== undefined) === (targetType !== undefined) && f.arguments.length === argTypes.length);
  const shown = `${targetType ? `${targetType}.` : ''}${name}(${argTypes.join(', ')})`;
  if (shaped.length === 0) throw new CelCheckError(`no overload of '${name}' takes ${argTypes.length} argument(s)${targetType ? ' as a method' : ''}`);
  const matching = shaped.filter((f) => (!f.target || fits(typeName(f.target), targetType!)) && f.arguments.every((p, i) => fits(typeName(p), argTypes[i]!)));
  if (matching.length === 0) throw new CelCheckError(`found no matching overload for ${shown}`);
  const results = new Set(matching.map((f) => typeName(f.result)));
  return results.size === 1 ? [...results][0]! : 'dyn';
}

function fits(param: TypeName, arg: TypeName): boolean {
  return param === 'dyn' || arg === 'dyn' || param === arg;
}

function typeName(t: { kind: string; name?: string; typeName?: string }): TypeName {
  if (t.kind === 'list' || t.kind === 'map') return t.kind;
  return (t as { name?: string }).name ?? (t as { typeName?: string }).typeName ?? 'dyn';
}

function constType(kind: string | undefined): TypeName {
  switch (kind) {
    case 'boolValue': return 'bool';
    case 'int64Value': return 'int';
    case 'uint64Value': return 'uint';
    case 'doubleValue': return 'double';
    case 'stringValue': return 'string';
    case 'bytesValue': return 'bytes';
    case 'nullValue': return 'null_type';
    default: return 'dyn';
  }
}

function requireBool(t: TypeName, what: string): void {
  if (t !== 'bool' && t !== 'dyn') throw new CelCheckError(`${what} is a ${t}, not bool`);
}

/** A constant pattern is compiled now (by the evaluator's own RE2 engine) so a bad one fails at load. */
function checkPattern(arg: Expr | undefined): void {
  const k = arg?.exprKind;
  if (k?.case !== 'constExpr' || k.value.constantKind.case !== 'stringValue') return;
  const result = run(`''.matches(p)`, { p: k.value.constantKind.value });
  if (isCelError(result)) throw new CelCheckError(`matches() pattern ${JSON.stringify(k.value.constantKind.value)} does not compile: ${result.message}`);
}

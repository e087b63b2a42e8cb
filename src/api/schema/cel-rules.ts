// Evaluates x-kubernetes-validations rules with @bufbuild/cel. Each distinct rule is parsed and
// planned once, on first use, and reused for every document. Values are converted to CEL the way
// Kubernetes does from the schema: `integer` → int, `number` → double, objects and maps → maps.
import { type CelInput, type CelResult, isCelError, parse, plan } from '@bufbuild/cel';
import type { FieldPath } from '../issue.ts';
import { kubernetesCelEnv } from './cel-library.ts';
import type { SchemaIssue } from './structural.ts';
import type { CelRule, JsonSchema } from './types.ts';

type Program = (bindings: Record<string, CelInput>) => CelResult;

export interface CompiledRule {
  /** Set when the rule reads `oldSelf`: a transition rule, which has nothing to compare on create. */
  transition: boolean;
  program?: Program;
  /** Why the rule could not be compiled (a bug in Weft's CEL library if it ever happens). */
  error?: string;
}

const compiled = new Map<string, CompiledRule>();
const OLD_SELF = /\boldSelf\b/;

function compileExpression(expression: string): CompiledRule {
  try {
    const program = plan(kubernetesCelEnv(), parse(expression)) as Program;
    return { transition: false, program };
  } catch (err) {
    return { transition: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Compiles `expression` once; later calls return the same program. */
export function compileRule(expression: string): CompiledRule {
  let rule = compiled.get(expression);
  if (!rule) {
    rule = OLD_SELF.test(expression) ? { transition: true } : compileExpression(expression);
    compiled.set(expression, rule);
  }
  return rule;
}

/** The CEL value of `value` as typed by `schema`. */
export function toCel(value: unknown, schema: JsonSchema | undefined): CelInput {
  if (Array.isArray(value)) return value.map((v) => toCel(v, schema?.items));
  if (typeof value === 'number') {
    const integral = schema
      ? schema.type === 'integer' || schema['x-kubernetes-int-or-string'] === true
      : Number.isInteger(value);
    return integral && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (value && typeof value === 'object') {
    const extra = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    const map = new Map<string, CelInput>();
    for (const [k, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue; // pruned, as the API server does
      map.set(k, toCel(v, schema?.properties?.[k] ?? extra));
    }
    return map;
  }
  return value as CelInput;
}

/** Appends a rule's relative fieldPath ('.spec.a', "['x']", '[0]') to `path`. */
function joinFieldPath(path: FieldPath, fieldPath: string | undefined): FieldPath {
  if (!fieldPath) return path;
  const out: (string | number)[] = [...path];
  for (const m of fieldPath.matchAll(/\.([^.[\]]+)|\['([^']*)'\]|\[(\d+)\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(m[2]);
    else out.push(Number(m[3]));
  }
  return out;
}

function messageFor(rule: CelRule, self: CelInput): string {
  if (rule.messageExpression) {
    const program = compileRule(rule.messageExpression).program;
    const result = program?.({ self });
    if (typeof result === 'string' && result.trim() !== '') return result;
  }
  return rule.message ?? `failed rule: ${rule.rule}`;
}

/** Runs the node's rules against `value`, appending one issue per failing rule. */
export function evaluateRules(schema: JsonSchema, value: unknown, path: FieldPath, out: SchemaIssue[]): void {
  const rules = schema['x-kubernetes-validations'];
  if (!rules) return;
  let self: CelInput | undefined;
  for (const rule of rules) {
    const compiledRule = compileRule(rule.rule);
    if (compiledRule.transition) continue;
    const at = joinFieldPath(path, rule.fieldPath);
    if (!compiledRule.program) {
      out.push({
        path: at,
        message: `rule ${JSON.stringify(rule.rule)} cannot be compiled: ${compiledRule.error}`,
      });
      continue;
    }
    self ??= toCel(value, schema);
    const result = compiledRule.program({ self });
    if (result === true) continue;
    if (isCelError(result)) {
      const issue: SchemaIssue = { path: at, message: rule.message ?? `failed rule: ${rule.rule}` };
      // A rule that cannot even evaluate usually met a malformed value; say what a good one looks
      // like rather than echo the CEL engine's error.
      issue.hint = /duration/i.test(result.message)
        ? 'write a duration as a number with a unit: 500ms, 1.5s, 2m, 1h'
        : `evaluating ${JSON.stringify(rule.rule)}: ${result.message}`;
      out.push(issue);
    } else if (result === false) {
      out.push({ path: at, message: messageFor(rule, self) });
    } else {
      out.push({ path: at, message: `rule ${JSON.stringify(rule.rule)} returned a non-boolean value` });
    }
  }
}

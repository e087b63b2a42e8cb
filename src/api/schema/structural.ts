// Structural validation of a value against a Kubernetes structural schema: the checks the API
// server's OpenAPI validation and pruning make before an object is accepted. Pure and allocation
// light: it walks the value once and appends issues to `out`.
import { RE2JS } from 're2js';
import type { FieldPath } from '../issue.ts';
import { checkFormat } from './formats.ts';
import type { JsonSchema } from './types.ts';

export interface SchemaIssue {
  path: FieldPath;
  message: string;
  hint?: string;
}

/** Called at every schema node that carries x-kubernetes-validations, after its own checks pass. */
export type RuleHook = (schema: JsonSchema, value: unknown, path: FieldPath, out: SchemaIssue[]) => void;

const patterns = new Map<string, RE2JS>();
function compilePattern(pattern: string): RE2JS {
  let re = patterns.get(pattern);
  if (!re) {
    // Kubernetes evaluates `pattern` with Go's regexp (RE2), so the same engine is used here.
    re = RE2JS.compile(pattern);
    patterns.set(pattern, re);
  }
  return re;
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
}

function hasType(schema: JsonSchema, value: unknown): boolean {
  if (schema['x-kubernetes-int-or-string']) {
    return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  }
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
  }
}

/** True when `value` satisfies `schema` (used for oneOf/anyOf/not branches). */
function satisfies(
  schema: JsonSchema,
  value: unknown,
  path: FieldPath,
  onRules: RuleHook | undefined,
): boolean {
  const scratch: SchemaIssue[] = [];
  validateValue(schema, value, path, scratch, onRules, true);
  return scratch.length === 0;
}

/** The field each branch requires, when every branch is `{required: [field]}`. */
function branchFields(branches: readonly JsonSchema[]): string[] | undefined {
  const fields: string[] = [];
  for (const b of branches) {
    if (b.not) continue; // the "none set" branch of Istio's mutual exclusion idiom
    if (b.required?.length !== 1 || Object.keys(b).length !== 1) return undefined;
    fields.push(b.required[0]!);
  }
  return fields.length > 0 ? fields : undefined;
}

function list(names: string[]): string {
  return names.join(', ');
}

function checkCombinators(
  schema: JsonSchema,
  value: unknown,
  path: FieldPath,
  out: SchemaIssue[],
  onRules: RuleHook | undefined,
): void {
  if (schema.allOf) for (const sub of schema.allOf) validateValue(sub, value, path, out, onRules, true);
  if (schema.oneOf) {
    const matched = schema.oneOf.filter((b) => satisfies(b, value, path, onRules)).length;
    if (matched !== 1) {
      const fields = branchFields(schema.oneOf);
      if (fields && isObject(value)) {
        const set = fields.filter((f) => value[f] !== undefined && value[f] !== null);
        if (matched > 1)
          out.push({ path, message: `only one of ${list(set.length > 1 ? set : fields)} may be set` });
        else out.push({ path, message: `exactly one of ${list(fields)} must be set` });
      } else {
        out.push({ path, message: `must match exactly one of the allowed forms, matched ${matched}` });
      }
    }
  }
  if (schema.anyOf && !schema.anyOf.some((b) => satisfies(b, value, path, onRules))) {
    const fields = branchFields(schema.anyOf);
    if (fields) out.push({ path, message: `one of ${list(fields)} must be set` });
    else out.push({ path, message: 'must match at least one of the allowed forms' });
  }
  if (schema.not && satisfies(schema.not, value, path, onRules)) {
    const fields = schema.not.required;
    if (fields && Object.keys(schema.not).length === 1)
      out.push({ path, message: `${list([...fields])} must not be set` });
    else out.push({ path, message: 'must not match the excluded form' });
  }
}

function checkScalar(schema: JsonSchema, value: unknown, path: FieldPath, out: SchemaIssue[]): void {
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    out.push({
      path,
      message: `unsupported value ${quote(value)}`,
      hint: `supported values: ${schema.enum.map(quote).join(', ')}`,
    });
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined) {
      if (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum) {
        out.push({
          path,
          message: `must be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}, got ${value}`,
        });
      }
    }
    if (schema.maximum !== undefined) {
      if (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum) {
        out.push({
          path,
          message: `must be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}, got ${value}`,
        });
      }
    }
  }
  if (typeof value === 'string') {
    // Lengths count Unicode code points, as Go's utf8.RuneCountInString does.
    const length = schema.minLength !== undefined || schema.maxLength !== undefined ? [...value].length : 0;
    if (schema.minLength !== undefined && length < schema.minLength) {
      out.push({ path, message: `must be at least ${schema.minLength} characters long, got ${length}` });
    }
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      out.push({ path, message: `may not be longer than ${schema.maxLength} characters, got ${length}` });
    }
    if (schema.pattern !== undefined && !compilePattern(schema.pattern).test(value)) {
      out.push({ path, message: `${quote(value)} must match the pattern '${schema.pattern}'` });
    }
  }
  if (schema.format !== undefined) {
    const problem = checkFormat(schema.format, value);
    if (problem) out.push({ path, message: problem });
  }
}

function checkArray(
  schema: JsonSchema,
  value: unknown[],
  path: FieldPath,
  out: SchemaIssue[],
  onRules: RuleHook | undefined,
): void {
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    out.push({ path, message: `must have at least ${schema.minItems} items, got ${value.length}` });
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    out.push({ path, message: `must have at most ${schema.maxItems} items, got ${value.length}` });
  }
  if (schema.items) {
    for (let i = 0; i < value.length; i++)
      validateValue(schema.items, value[i], [...path, i], out, onRules, false);
  }
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set' || listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'];
    const seen = new Map<string, number>();
    value.forEach((item, i) => {
      const key =
        listType === 'map' && keys && isObject(item)
          ? keys.map((k) => `${k}=${quote(item[k])}`).join(',')
          : JSON.stringify(item);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else {
        const what = listType === 'map' ? `entry with key ${key}` : `value ${key}`;
        out.push({ path: [...path, i], message: `duplicate ${what}`, hint: `first seen at index ${first}` });
      }
    });
  }
}

function checkObject(
  schema: JsonSchema,
  value: Record<string, unknown>,
  path: FieldPath,
  out: SchemaIssue[],
  onRules: RuleHook | undefined,
  branch: boolean,
): void {
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    out.push({ path, message: `must have at most ${schema.maxProperties} entries, got ${count}` });
  }
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    out.push({ path, message: `must have at least ${schema.minProperties} entries, got ${count}` });
  }
  if (schema.required) {
    for (const name of schema.required) {
      if (value[name] === undefined || value[name] === null)
        out.push({ path: [...path, name], message: 'required field is missing' });
    }
  }
  // Combinator branches only constrain; fields are described by the node that holds them.
  if (branch && !schema.properties && schema.additionalProperties === undefined) return;
  const props = schema.properties;
  const extra = schema.additionalProperties;
  const keepUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [key, child] of Object.entries(value)) {
    const childSchema = props?.[key] ?? (typeof extra === 'object' ? extra : undefined);
    if (childSchema) validateValue(childSchema, child, [...path, key], out, onRules, false);
    else if (!keepUnknown && extra !== true && (props || extra === false || schema.type === 'object')) {
      out.push({ path: [...path, key], message: `unknown field ${JSON.stringify(key)}` });
    }
  }
}

/**
 * Validates `value` at `path` against `schema`, appending every problem to `out`. `onRules` runs
 * the node's CEL rules; it is called only when the node has its schema's type, as rules are
 * written assuming it. `branch` marks oneOf/anyOf/allOf/not sub-schemas.
 */
export function validateValue(
  schema: JsonSchema,
  value: unknown,
  path: FieldPath,
  out: SchemaIssue[],
  onRules: RuleHook | undefined,
  branch = false,
): void {
  // Structural pruning drops nulls of non-nullable fields before validation, so they are absent.
  if (value === null || value === undefined) return;
  if (!hasType(schema, value)) {
    const expected = schema['x-kubernetes-int-or-string'] ? 'integer or string' : schema.type!;
    out.push({ path, message: `must be of type ${expected}, got ${typeName(value)} ${quote(value)}` });
    return;
  }
  if (Array.isArray(value)) checkArray(schema, value, path, out, onRules);
  else if (isObject(value)) checkObject(schema, value, path, out, onRules, branch);
  else checkScalar(schema, value, path, out);
  if (schema.oneOf || schema.anyOf || schema.allOf || schema.not)
    checkCombinators(schema, value, path, out, onRules);
  // Like the API server, rules run even when fields below failed: every problem is reported at once.
  if (!branch && onRules && schema['x-kubernetes-validations']) {
    onRules(schema, value, path, out);
  }
}

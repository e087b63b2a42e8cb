// Structural (OpenAPI v3) and CEL validation of resources against their kinds' schemas.
import type { FieldPath } from '../issue.ts';
import { evaluateRules } from './cel-rules.ts';
import { gatewayApiSchemas } from './gateway-api.ts';
import { istioSchemas } from './generated/index.ts';
import { type SchemaIssue, validateValue } from './structural.ts';
import type { JsonSchema, KindSchemas } from './types.ts';

export { kubernetesCelEnv } from './cel-library.ts';
export { compileRule, evaluateRules, toCel } from './cel-rules.ts';
export { stripDescriptions } from './strip.ts';
export type { SchemaIssue } from './structural.ts';
export type { CelRule, JsonSchema, KindSchemas } from './types.ts';
export { gatewayApiSchemas, istioSchemas };

/** Every kind that has a schema: Istio's (generated from its CRDs) and the Gateway API's. */
export const allKindSchemas: readonly KindSchemas[] = [...istioSchemas, ...gatewayApiSchemas];

const byGroupKind = new Map<string, KindSchemas>(allKindSchemas.map((k) => [`${k.group}/${k.kind}`, k]));

/** The schemas of `group`'s `kind`, by served version, or undefined when Weft has none. */
export function kindSchemas(group: string, kind: string): KindSchemas | undefined {
  return byGroupKind.get(`${group}/${kind}`);
}

const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Validates a whole resource body against its version's schema, then runs the CEL rules of every
 * structurally sound node. apiVersion, kind and metadata are the API server's, not the CRD's.
 */
export function validateAgainstSchema(schema: JsonSchema, body: Record<string, unknown>): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!ROOT_FIELDS.has(key)) rest[key] = value;
  const root: FieldPath = [];
  validateValue(schema, rest, root, out, evaluateRules);
  return out;
}

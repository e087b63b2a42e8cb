// Istio's semantic validation rules (what its validating webhook checks beyond the CRD schema).
// Placeholder door: the semantic rules land behind it; the validation pipeline already calls it.
import type { ResourceDocument } from '../document.ts';
import type { ConfigIssue } from '../issue.ts';

export function checkSemantics(_doc: ResourceDocument): ConfigIssue[] {
  return [];
}

// The validation pipeline every command uses: kind and version → metadata → schema (structural,
// then CEL) → Istio's semantic rules; plus duplicates across the whole load. Every problem of every
// document is reported, each located at the line of the field it concerns.
import type { ResourceDocument } from '../document.ts';
import { type ConfigIssue, formatPath, type Severity } from '../issue.ts';
import { checkMetadata, lookupKind, splitApiVersion } from '../kinds/index.ts';
import { type SchemaIssue, validateAgainstSchema } from '../schema/index.ts';
import { checkSemantics } from '../semantic/index.ts';

function toIssue(doc: ResourceDocument, found: SchemaIssue, severity: Severity = 'error'): ConfigIssue {
  const issue: ConfigIssue = {
    severity,
    file: doc.file,
    line: doc.lineOf(found.path),
    kind: doc.kind,
    namespace: doc.metadata.namespace ?? '',
    name: doc.metadata.name ?? '',
    path: formatPath(found.path),
    message: found.message,
  };
  if (found.hint) issue.hint = found.hint;
  return issue;
}

/** Validates one document on its own (no cross-document checks). */
export function validateDocument(doc: ResourceDocument): ConfigIssue[] {
  const { group, version } = splitApiVersion(doc.apiVersion);
  const info = lookupKind(group, doc.kind);
  if (!info) return []; // a kind Weft does not know passes through, as other CRDs would
  if (!info.versions.includes(version)) {
    return [
      toIssue(doc, {
        path: ['apiVersion'],
        message: `${doc.kind} is not served at ${doc.apiVersion}`,
        hint: `served versions: ${info.versions.map((v) => (group ? `${group}/${v}` : v)).join(', ')}`,
      }),
    ];
  }
  const issues: ConfigIssue[] = [];
  if (info.support === 'unsupported') {
    issues.push(
      toIssue(
        doc,
        { path: ['kind'], message: `${doc.kind} is not supported by Weft; it would be ignored` },
        'warning',
      ),
    );
  }
  const found: SchemaIssue[] = checkMetadata(doc.body, info.nameIsLabel);
  const schema = info.schema?.(version);
  if (schema) found.push(...validateAgainstSchema(schema, doc.body));
  if (info.check) found.push(...info.check(doc.body));
  for (const f of found) issues.push(toIssue(doc, f));
  // Istio's webhook only sees documents the schema accepted; we run its rules anyway so a user
  // fixing a file sees every problem at once, and drop what they say about a field the schema has
  // already reported (the rules read the body defensively, but a field of the wrong type would
  // only produce a second message about the same mistake).
  if (info.support === 'supported') issues.push(...semanticsBeside(doc, issues));
  return issues;
}

function semanticsBeside(doc: ResourceDocument, structural: ConfigIssue[]): ConfigIssue[] {
  const broken = structural.filter((i) => i.severity === 'error').map((i) => i.path);
  let semantic: ConfigIssue[];
  try {
    semantic = checkSemantics(doc);
  } catch {
    // A rule tripped over a structurally broken body; the structural errors already say why.
    return [];
  }
  if (broken.length === 0) return semantic;
  const covered = (path: string) =>
    broken.some(
      (b) =>
        path === b ||
        path.startsWith(`${b}.`) ||
        path.startsWith(`${b}[`) ||
        b.startsWith(`${path}.`) ||
        b.startsWith(`${path}[`) ||
        b === '',
    );
  return semantic.filter((i) => !covered(i.path));
}

function keyOf(doc: ResourceDocument): string {
  const { group } = splitApiVersion(doc.apiVersion);
  return `${group}/${doc.kind}/${doc.metadata.namespace ?? ''}/${doc.metadata.name ?? ''}`;
}

/**
 * Validates every document, and reports a later document with the same kind/namespace/name in the
 * same file (it cannot be what the author meant). Across files a later document replaces the
 * earlier one, as `kubectl apply -f dir/` does; Istio's samples directory holds such alternatives
 * side by side, so that is not worth a message.
 */
export function validateDocuments(docs: ResourceDocument[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, ResourceDocument>();
  for (const doc of docs) {
    issues.push(...validateDocument(doc));
    if (!doc.metadata.name) continue;
    const key = `${doc.file}\u0000${keyOf(doc)}`;
    const first = seen.get(key);
    if (first) {
      const ns = doc.metadata.namespace ? `${doc.metadata.namespace}/` : '';
      issues.push(
        toIssue(doc, {
          path: ['metadata', 'name'],
          message: `duplicate ${doc.kind} ${ns}${doc.metadata.name}`,
          hint: `already defined at ${first.file}:${first.line}`,
        }),
      );
    }
    seen.set(key, doc);
  }
  return issues;
}

// The apply and delete verbs of the pilot API: validate everything first (one invalid document
// refuses the whole request, nothing written), then write through the directory source so applied
// config survives a restart. Results are reported per resource the way kubectl reports them.
import {
  type ConfigIssue,
  fileIssue,
  parseYaml,
  type ResourceDocument,
  validateDocuments,
} from '../../api/index.ts';
import {
  type ConfigStore,
  type DirectorySource,
  keyOf,
  keyOfDocument,
  keyString,
  type ResourceKey,
} from '../../config/index.ts';
import { resolveKind } from './kinds.ts';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ResourceResult {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface ApplyResult extends ResourceResult {
  action: ApplyAction;
}

export interface DeleteResult extends ResourceResult {
  action: 'deleted' | 'not found';
}

export type Outcome<T> = { ok: true; results: T[] } | { ok: false; status: number; issues: ConfigIssue[] };

export interface ConfigTarget {
  store: ConfigStore;
  source: DirectorySource;
}

/** Validates a multi-document YAML text and, if every document is valid, writes it. */
export function applyYaml(target: ConfigTarget, text: string, file: string): Outcome<ApplyResult> {
  const parsed = parseYaml(text, file);
  const issues = [...parsed.issues, ...validateDocuments(parsed.docs)];
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) return { ok: false, status: 422, issues: errors };
  if (parsed.docs.length === 0) {
    return {
      ok: false,
      status: 400,
      issues: [fileIssue(file, 1, 'no objects passed to apply', 'send one or more YAML documents')],
    };
  }
  const snapshot = target.store.snapshot();
  const results: ApplyResult[] = [];
  const toWrite: ResourceDocument[] = [];
  // A later copy of a resource in the same request is compared with the earlier copy, as kubectl
  // apply does: the first is 'created', the next 'configured' (or 'unchanged' if identical).
  const earlier = new Map<string, { apiVersion: string; body: Record<string, unknown> }>();
  for (const doc of parsed.docs) {
    const key = keyOfDocument(doc);
    const id = keyString(key);
    const existing = earlier.get(id) ?? snapshot.get(key);
    let action: ApplyAction = 'created';
    if (existing) {
      const same = existing.apiVersion === doc.apiVersion && sameBody(existing.body, doc.body);
      action = same ? 'unchanged' : 'configured';
    }
    earlier.set(id, doc);
    if (action !== 'unchanged') toWrite.push(doc);
    results.push({ ...key, action });
  }
  if (toWrite.length > 0) target.source.apply(toWrite);
  return { ok: true, results };
}

/** Bodies equal but for metadata.creationTimestamp, which the store keeps (an apply never sets it). */
function sameBody(stored: Record<string, unknown>, applied: Record<string, unknown>): boolean {
  const strip = (body: Record<string, unknown>) => {
    const { creationTimestamp: _, ...meta } = (body['metadata'] ?? {}) as Record<string, unknown>;
    return JSON.stringify({ ...body, metadata: meta });
  };
  return strip(stored) === strip(applied);
}

/** Deletes the resources named by YAML documents (their spec is not validated, as kubectl does). */
export function deleteYaml(target: ConfigTarget, text: string, file: string): Outcome<DeleteResult> {
  const parsed = parseYaml(text, file);
  const errors = parsed.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) return { ok: false, status: 422, issues: errors };
  const missingName = parsed.docs.find((d) => !d.metadata.name);
  if (missingName) {
    return {
      ok: false,
      status: 422,
      issues: [fileIssue(missingName.file, 1, 'metadata.name is required to delete a resource')],
    };
  }
  return deleteKeys(target, parsed.docs.map(keyOfDocument));
}

/** Deletes one resource named by kind (as typed: vs, virtualservices, …), name and namespace. */
export function deleteByName(
  target: ConfigTarget,
  kindInput: string,
  name: string,
  namespace: string | undefined,
): Outcome<DeleteResult> {
  const info = resolveKind(kindInput);
  if (!info) {
    return {
      ok: false,
      status: 400,
      issues: [fileIssue('request', 1, `the server doesn't have a resource type "${kindInput}"`)],
    };
  }
  const key = keyOf(info.group ? `${info.group}/v1` : 'v1', info.kind, name, namespace);
  return deleteKeys(target, [key]);
}

function deleteKeys(target: ConfigTarget, keys: ResourceKey[]): Outcome<DeleteResult> {
  const outcome = target.source.delete(keys);
  if (!outcome.ok) {
    // Nothing was deleted: the resource's file has errors on disk, and rewriting it without the
    // resource would mean rewriting it from its last good version, losing the user's edit.
    return {
      ok: false,
      status: 409,
      issues: outcome.refused.map(({ key, file, issues }) => ({
        ...fileIssue(
          file,
          issues[0]?.line ?? 1,
          `not deleted: ${file}, which holds it, has errors on disk (${issues.length} ` +
            `${issues.length === 1 ? 'error' : 'errors'}, first: ${issues[0]?.message ?? 'unknown'}), and ` +
            'deleting would rewrite it from its last good version, losing that edit; nothing was deleted ' +
            'and the running config is unchanged',
          `fix ${file} (or remove the resource from it by hand) and run the delete again`,
        ),
        kind: key.kind,
        namespace: key.namespace,
        name: key.name,
      })),
    };
  }
  const removed = new Set(outcome.removed.map(keyString));
  return {
    ok: true,
    results: keys.map((key) => ({ ...key, action: removed.has(keyString(key)) ? 'deleted' : 'not found' })),
  };
}

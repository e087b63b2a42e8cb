// GET /apis/v1/resources: list or get stored resources, shaped like the Kubernetes API answers them
// (metadata.resourceVersion and creationTimestamp filled in), so `-o yaml` output can be re-applied.
import type { ConfigStore, ResourceKey, StoredResource } from '../../config/index.ts';
import { qualifiedKind, resolveKind } from './kinds.ts';

export interface ResourceQuery {
  kind: string;
  /** Absent: every namespace. */
  namespace?: string;
  name?: string;
}

export interface ResourceItem {
  object: Record<string, unknown>;
  source: { file: string; line: number };
}

export type ListOutcome =
  | { ok: true; kind: string; group: string; items: ResourceItem[] }
  | { ok: false; status: number; message: string };

export function listResources(
  store: ConfigStore,
  query: ResourceQuery,
  createdAt: (key: ResourceKey) => Date | undefined,
): ListOutcome {
  const info = resolveKind(query.kind);
  if (!info) {
    return {
      ok: false,
      status: 400,
      message: `the server doesn't have a resource type "${query.kind}"`,
    };
  }
  const matches = store
    .snapshot()
    .ofKind(info.kind, info.group)
    .filter((r) => query.namespace === undefined || r.key.namespace === query.namespace)
    .filter((r) => query.name === undefined || r.key.name === query.name);
  if (query.name !== undefined && matches.length === 0) {
    return {
      ok: false,
      status: 404,
      message: `${qualifiedKind(info)} "${query.name}" not found${query.namespace ? ` in namespace "${query.namespace}"` : ''}`,
    };
  }
  return {
    ok: true,
    kind: info.kind,
    group: info.group,
    items: matches.map((r) => ({ object: withServerMetadata(r, createdAt(r.key)), source: r.source })),
  };
}

function withServerMetadata(r: StoredResource, created: Date | undefined): Record<string, unknown> {
  const metadata = { ...((r.body['metadata'] as Record<string, unknown> | undefined) ?? {}) };
  if (r.key.namespace) metadata['namespace'] = r.key.namespace;
  metadata['resourceVersion'] = String(r.revision);
  if (created) metadata['creationTimestamp'] = created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { ...r.body, metadata };
}

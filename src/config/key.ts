// How a resource is identified in the store: API group, kind, namespace and name, the same identity
// Kubernetes uses (versions of one kind share an identity: v1alpha3 and v1 VirtualService "reviews"
// are the same object).
import type { ResourceDocument } from '../api/index.ts';

export interface ResourceKey {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Kinds that are not namespaced, among the ones the mesh reads. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

export function keyOf(
  apiVersion: string,
  kind: string,
  name: string,
  namespace: string | undefined,
): ResourceKey {
  return {
    group: groupOf(apiVersion),
    kind,
    namespace: CLUSTER_SCOPED.has(kind) ? '' : namespace || 'default',
    name,
  };
}

/** The key of a parsed document, from its apiVersion, kind and metadata. */
export function keyOfDocument(doc: ResourceDocument): ResourceKey {
  return keyOf(doc.apiVersion, doc.kind, doc.metadata.name, doc.metadata.namespace);
}

export function keyString(k: ResourceKey): string {
  return `${k.group}/${k.kind}/${k.namespace}/${k.name}`;
}

/** 'VirtualService default/reviews' — how messages name a resource. */
export function describeKey(k: ResourceKey): string {
  return `${k.kind} ${k.namespace ? k.namespace + '/' : ''}${k.name}`;
}

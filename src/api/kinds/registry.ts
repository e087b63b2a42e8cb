// The kinds Weft knows: which API versions are served for each, whether Weft acts on it, and how
// it is validated. Kinds not listed here pass through untouched, as a cluster with other CRDs would.

import type { SchemaIssue } from '../schema/index.ts';
import { allKindSchemas, type JsonSchema } from '../schema/index.ts';
import { kubernetesChecks } from './kubernetes.ts';

export type Support = 'supported' | 'unsupported';

export interface KindInfo {
  group: string;
  kind: string;
  /** Served versions, newest first as the API documents them. */
  versions: readonly string[];
  support: Support;
  /** Whether object names are DNS-1123 labels (Service, Namespace) rather than subdomains. */
  nameIsLabel: boolean;
  /** The structural schema of a served version, for CRD-backed kinds. */
  schema?: (version: string) => JsonSchema | undefined;
  /** Hand-written structural checks, for built-in Kubernetes kinds. */
  check?: (body: Record<string, unknown>) => SchemaIssue[];
}

/** Istio kinds Weft recognises but does not implement; using one is a warning, never silent. */
const UNSUPPORTED = new Set(['EnvoyFilter', 'WasmPlugin', 'TrafficExtension', 'ProxyConfig']);

const kinds = new Map<string, KindInfo>();

for (const k of allKindSchemas) {
  kinds.set(`${k.group}/${k.kind}`, {
    group: k.group,
    kind: k.kind,
    versions: Object.keys(k.versions),
    support: UNSUPPORTED.has(k.kind) ? 'unsupported' : 'supported',
    nameIsLabel: false,
    schema: (version) => k.versions[version],
  });
}

const builtIn: [group: string, kind: string, versions: string[]][] = [
  ['', 'Namespace', ['v1']],
  ['', 'Service', ['v1']],
  ['', 'Pod', ['v1']],
  ['', 'ServiceAccount', ['v1']],
  ['', 'Secret', ['v1']],
  ['', 'ConfigMap', ['v1']],
  ['', 'Endpoints', ['v1']],
  ['apps', 'Deployment', ['v1']],
  ['discovery.k8s.io', 'EndpointSlice', ['v1']],
];
for (const [group, kind, versions] of builtIn) {
  const check = kubernetesChecks[kind];
  const info: KindInfo = {
    group,
    kind,
    versions,
    support: 'supported',
    nameIsLabel: kind === 'Service' || kind === 'Namespace',
  };
  if (check) info.check = check;
  kinds.set(`${group}/${kind}`, info);
}

/** Splits 'networking.istio.io/v1' into group and version ('v1' is the core group ''). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** What Weft knows about `kind` in `group`, or undefined for a kind it passes through. */
export function lookupKind(group: string, kind: string): KindInfo | undefined {
  return kinds.get(`${group}/${kind}`);
}

/** Every kind Weft knows. */
export function knownKinds(): KindInfo[] {
  return [...kinds.values()];
}

// The per-config-version index every proxy's generation reads: Istio resources parsed once, hosts
// resolved to FQDNs, rules grouped by host and gateway. Built once per config change (Istio's
// PushContext), then shared by every proxy's translation.

import type {
  DestinationRuleSpec,
  GatewaySpec,
  SidecarSpec,
  VirtualServiceSpec,
} from '../../api/types/index.ts';
import type { ConfigSnapshot, StoredResource } from '../../config/index.ts';
import type { MeshService, RegistrySnapshot } from '../../registry/index.ts';
import { DOMAIN_SUFFIX } from './proxy.ts';

export interface IndexedVirtualService {
  name: string;
  namespace: string;
  spec: VirtualServiceSpec;
  /** Hosts as FQDNs (short names expanded in the VirtualService's namespace). */
  hosts: string[];
  /** Gateways as 'namespace/name', or 'mesh'. An empty `gateways` means ['mesh']. */
  gateways: string[];
  /** Namespaces it is exported to (Istio's exportTo; empty means everywhere). */
  exportTo: string[];
}

export interface IndexedDestinationRule {
  name: string;
  namespace: string;
  spec: DestinationRuleSpec;
  host: string;
  /** Namespaces it is exported to (Istio's exportTo; empty means everywhere). */
  exportTo: string[];
}

export interface IndexedGateway {
  name: string;
  namespace: string;
  spec: GatewaySpec;
}

export interface MeshIndex {
  version: number;
  registry: RegistrySnapshot;
  services: MeshService[];
  virtualServices: IndexedVirtualService[];
  destinationRules: IndexedDestinationRule[];
  gateways: IndexedGateway[];
  sidecars: { name: string; namespace: string; spec: SidecarSpec }[];
}

/** Istio's short-name rule: a host without dots is a service of the config's own namespace. */
export function resolveHost(host: string, namespace: string): string {
  if (host === '*' || host.includes('.')) return host;
  return `${host}.${namespace}.svc.${DOMAIN_SUFFIX}`;
}

/** 'my-gateway' in namespace ns → 'ns/my-gateway'; 'mesh' stays. */
export function resolveGatewayName(ref: string, namespace: string): string {
  if (ref === 'mesh' || ref.includes('/')) return ref;
  // 'name.namespace' is an older accepted form.
  const dot = ref.indexOf('.');
  if (dot > 0) return `${ref.slice(dot + 1)}/${ref.slice(0, dot)}`;
  return `${namespace}/${ref}`;
}

function specOf<T>(r: StoredResource): T {
  return (r.body['spec'] ?? {}) as T;
}

/** Order Istio applies when several resources compete: oldest first, then by namespace/name. */
function byAge(a: StoredResource, b: StoredResource): number {
  return (
    a.createdAt.getTime() - b.createdAt.getTime() ||
    a.created - b.created ||
    `${a.key.namespace}/${a.key.name}`.localeCompare(`${b.key.namespace}/${b.key.name}`)
  );
}

export function buildMeshIndex(config: ConfigSnapshot, registry: RegistrySnapshot): MeshIndex {
  const vsList = [...config.ofKind('VirtualService', 'networking.istio.io')].sort(byAge);
  const drList = [...config.ofKind('DestinationRule', 'networking.istio.io')].sort(byAge);
  return {
    version: config.version,
    registry,
    services: [...registry.services.values()].sort((a, b) => a.hostname.localeCompare(b.hostname)),
    virtualServices: vsList.map((r) => {
      const spec = specOf<VirtualServiceSpec>(r);
      const ns = r.key.namespace;
      const gateways = spec.gateways && spec.gateways.length > 0 ? spec.gateways : ['mesh'];
      return {
        name: r.key.name,
        namespace: ns,
        spec,
        hosts: (spec.hosts ?? []).map((h) => resolveHost(h, ns)),
        gateways: gateways.map((g) => resolveGatewayName(g, ns)),
        exportTo: spec.exportTo ?? [],
      };
    }),
    destinationRules: drList.map((r) => {
      const spec = specOf<DestinationRuleSpec>(r);
      return {
        name: r.key.name,
        namespace: r.key.namespace,
        spec,
        host: resolveHost(spec.host ?? '', r.key.namespace),
        exportTo: spec.exportTo ?? [],
      };
    }),
    gateways: config
      .ofKind('Gateway', 'networking.istio.io')
      .map((r) => ({ name: r.key.name, namespace: r.key.namespace, spec: specOf<GatewaySpec>(r) })),
    sidecars: config
      .ofKind('Sidecar', 'networking.istio.io')
      .map((r) => ({ name: r.key.name, namespace: r.key.namespace, spec: specOf<SidecarSpec>(r) })),
  };
}

/** Does `pattern` (an Istio host, possibly '*.foo.com' or '*') cover `host`? */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

/** Istio's meshConfig.rootNamespace default: rules there serve every namespace they are exported to. */
export const ROOT_NAMESPACE = 'istio-system';

/**
 * Is a config of namespace `own` with this exportTo visible to proxies of `namespace`? Empty means
 * Istio's default ('*'); '.' is its own namespace; '~' is nowhere; otherwise the names listed.
 */
export function exportedTo(exportTo: readonly string[], own: string, namespace: string): boolean {
  if (exportTo.length === 0 || exportTo.includes('*')) return true;
  if (exportTo.includes('.') && own === namespace) return true;
  return exportTo.includes(namespace);
}

/**
 * The DestinationRule for a service host as seen from a proxy's namespace, in Istio's order
 * (PushContext.destinationRule): a rule of the proxy's own namespace, else one the service's
 * namespace exports to the proxy's, else one the root namespace exports to it. Never a rule from
 * any other namespace, nor one not exported to the proxy. Within a namespace an exact host beats a
 * wildcard, a longer wildcard a shorter one, and the oldest rule wins ties.
 */
export function destinationRuleFor(
  index: MeshIndex,
  host: string,
  proxyNamespace: string,
  serviceNamespace: string,
): IndexedDestinationRule | undefined {
  const candidates = index.destinationRules.filter(
    (dr) => hostMatches(dr.host, host) && exportedTo(dr.exportTo, dr.namespace, proxyNamespace),
  );
  if (candidates.length === 0) return undefined;
  const specificity = (dr: IndexedDestinationRule): number => (dr.host === host ? 0 : 1000 - dr.host.length);
  for (const ns of [proxyNamespace, serviceNamespace, ROOT_NAMESPACE]) {
    const inNs = candidates.filter((dr) => dr.namespace === ns);
    if (inNs.length > 0) return inNs.sort((a, b) => specificity(a) - specificity(b))[0];
  }
  return undefined;
}

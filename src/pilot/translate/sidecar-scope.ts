// The parts of Istio's SidecarScope translation reads: which Sidecar resource applies to a proxy
// and what it says about traffic to hosts outside the registry.
import type { MeshIndex } from './mesh.ts';
import { DEFAULT_OUTBOUND_TRAFFIC_MODE, type OutboundTrafficMode, type ProxyInfo } from './proxy.ts';

/** Istio's meshConfig.rootNamespace default: its selector-less Sidecar is the mesh-wide default. */
const ROOT_NAMESPACE = 'istio-system';

type IndexedSidecar = MeshIndex['sidecars'][number];

/**
 * As Istio picks a proxy's Sidecar: one in its namespace whose workloadSelector matches its
 * labels, else its namespace's selector-less one, else the root namespace's selector-less one.
 */
export function sidecarFor(index: MeshIndex, proxy: ProxyInfo): IndexedSidecar | undefined {
  const local = index.sidecars.filter((s) => s.namespace === proxy.namespace);
  const selected = local.find((s) => {
    const labels = s.spec.workloadSelector?.labels;
    return labels !== undefined && Object.entries(labels).every(([k, v]) => proxy.labels[k] === v);
  });
  if (selected) return selected;
  const namespaceWide = local.find((s) => s.spec.workloadSelector?.labels === undefined);
  if (namespaceWide) return namespaceWide;
  return index.sidecars.find(
    (s) => s.namespace === ROOT_NAMESPACE && s.spec.workloadSelector?.labels === undefined,
  );
}

/** The Sidecar's outboundTrafficPolicy.mode when it sets one, else the mesh's (ALLOW_ANY). */
export function outboundTrafficMode(index: MeshIndex, proxy: ProxyInfo): OutboundTrafficMode {
  const mode = sidecarFor(index, proxy)?.spec.outboundTrafficPolicy?.mode;
  return mode === 'REGISTRY_ONLY' || mode === 'ALLOW_ANY' ? mode : DEFAULT_OUTBOUND_TRAFFIC_MODE;
}

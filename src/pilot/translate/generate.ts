// A proxy's whole configuration: clusters, endpoints, listeners and routes, generated from the mesh
// index for one proxy identity. Pure: the same index and proxy always give the same resources.
import {
  blackHoleClusterJson,
  type ClusterPlan,
  inboundClusterJson,
  type Json,
  outboundClusterJson,
  planOutboundClusters,
} from './clusters.ts';
import { endpointsFor, loadAssignmentJson } from './endpoints.ts';
import { gatewayListeners } from './gateway-listeners.ts';
import type { MeshIndex } from './mesh.ts';
import type { ProxyInfo } from './proxy.ts';
import { httpProxyRouteConfig, perPortRouteConfigs, sidecarVirtualHosts } from './route-config.ts';
import { captureSidecarListeners, explicitSidecarListeners } from './sidecar-listeners.ts';

export interface GeneratedConfig {
  clusters: Json[];
  /** ClusterLoadAssignments of the EDS clusters, by cluster name order. */
  endpoints: Json[];
  listeners: Json[];
  routes: Json[];
}

export function generateProxyConfig(index: MeshIndex, proxy: ProxyInfo): GeneratedConfig {
  const plans = planOutboundClusters(index, proxy.namespace);
  const clusters: Json[] = [blackHoleClusterJson()];
  const endpoints: Json[] = [];
  for (const plan of plans) {
    const eps = loadAssignmentJson(plan.name, endpointsFor(index, plan));
    clusters.push(outboundClusterJson(plan, plan.eds ? undefined : eps));
    if (plan.eds) endpoints.push(eps);
  }
  if (proxy.type === 'router') {
    const { listeners, routes } = gatewayListeners(index, proxy);
    return { clusters, endpoints, listeners, routes };
  }
  for (const b of proxy.inboundBindings) clusters.push(inboundClusterJson(b));
  const visible = uniqueServices(plans);
  const vhosts = sidecarVirtualHosts(index, proxy, visible);
  const needed = new Set<string>();
  const listeners =
    proxy.captureMode === 'NONE'
      ? explicitSidecarListeners(index, proxy, needed)
      : captureSidecarListeners(index, proxy, visible, needed);
  const routes: Json[] = [];
  if (needed.has('http_proxy')) routes.push(httpProxyRouteConfig(vhosts));
  for (const rc of perPortRouteConfigs(vhosts)) if (needed.has(rc['name'] as string)) routes.push(rc);
  return { clusters, endpoints, listeners, routes };
}

function uniqueServices(plans: ClusterPlan[]) {
  const seen = new Set<string>();
  const out = [];
  for (const p of plans) {
    if (seen.has(p.service.hostname)) continue;
    seen.add(p.service.hostname);
    out.push(p.service);
  }
  return out;
}

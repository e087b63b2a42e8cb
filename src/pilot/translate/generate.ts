// A proxy's whole configuration: clusters, endpoints, listeners and routes, generated from the mesh
// index for one proxy identity. Pure: the same index and proxy always give the same resources.
import type { MeshService } from '../../registry/index.ts';
import {
  blackHoleClusterJson,
  type ClusterPlan,
  inboundClusterJson,
  type Json,
  outboundClusterJson,
  passthroughClusterJson,
  planOutboundClusters,
} from './clusters.ts';
import { endpointsFor, loadAssignmentJson } from './endpoints.ts';
import { gatewayListeners } from './gateway-listeners.ts';
import type { MeshIndex } from './mesh.ts';
import type { ProxyInfo } from './proxy.ts';
import {
  catchAllVirtualHost,
  httpProxyRouteConfig,
  perPortRouteConfigs,
  sidecarVirtualHosts,
} from './route-config.ts';
import { captureSidecarListeners, explicitSidecarListeners } from './sidecar-listeners.ts';
import { outboundTrafficMode } from './sidecar-scope.ts';

export interface GeneratedConfig {
  clusters: Json[];
  /** ClusterLoadAssignments of the EDS clusters, by cluster name order. */
  endpoints: Json[];
  listeners: Json[];
  routes: Json[];
}

/**
 * A cache of parts of a generation that many proxies share, scoped by the caller to one MeshIndex
 * (a new memo per index). Translation chooses the keys, and each key names everything its part
 * reads from the proxy, so a memoised generation returns the same resources as a fresh one; it
 * just returns the same objects to proxies that would get equal ones, which is what lets the ADS
 * server encode them once.
 */
export interface GenerationMemo {
  get<T>(key: string, build: () => T): T;
}

const NO_MEMO: GenerationMemo = { get: (_key, build) => build() };

interface OutboundConfig {
  /** BlackHoleCluster, PassthroughCluster, then the outbound clusters. */
  clusters: Json[];
  endpoints: Json[];
  visible: MeshService[];
}

/** What every proxy of a namespace sees of the mesh: it depends on the namespace alone. */
function outboundConfig(index: MeshIndex, namespace: string): OutboundConfig {
  const plans = planOutboundClusters(index, namespace);
  const clusters: Json[] = [blackHoleClusterJson(), passthroughClusterJson()];
  const endpoints: Json[] = [];
  for (const plan of plans) {
    if (plan.originalDst) {
      clusters.push(outboundClusterJson(plan, undefined));
      continue;
    }
    const eps = loadAssignmentJson(plan.name, endpointsFor(index, plan));
    clusters.push(outboundClusterJson(plan, plan.eds ? undefined : eps));
    if (plan.eds) endpoints.push(eps);
  }
  return { clusters, endpoints, visible: uniqueServices(plans) };
}

interface SidecarRoutes {
  httpProxy: Json;
  perPort: Json[];
}

export function generateProxyConfig(
  index: MeshIndex,
  proxy: ProxyInfo,
  memo: GenerationMemo = NO_MEMO,
): GeneratedConfig {
  const outbound = memo.get(`outbound\0${proxy.namespace}`, () => outboundConfig(index, proxy.namespace));
  const endpoints = outbound.endpoints;
  if (proxy.type === 'router') {
    const { listeners, routes } = gatewayListeners(index, proxy);
    return { clusters: outbound.clusters, endpoints, listeners, routes };
  }
  // The namespace's list itself when the proxy adds nothing, so that the ADS server can answer
  // every such proxy's CDS with the work done for the first.
  const clusters =
    proxy.inboundBindings.length === 0
      ? outbound.clusters
      : [...outbound.clusters, ...proxy.inboundBindings.map(inboundClusterJson)];
  // Sidecar virtual hosts read the proxy's namespace (aliases, visibility) and its labels
  // (sourceLabels matches, the Sidecar that applies), nothing else of it.
  const routeKey = `routes\0${proxy.namespace}\0${JSON.stringify(Object.entries(proxy.labels).sort())}`;
  const sidecarRoutes = memo.get(routeKey, (): SidecarRoutes => {
    const vhosts = sidecarVirtualHosts(index, proxy, outbound.visible);
    const catchAll = catchAllVirtualHost(outboundTrafficMode(index, proxy));
    return {
      httpProxy: httpProxyRouteConfig(vhosts, catchAll),
      perPort: perPortRouteConfigs(vhosts, catchAll),
    };
  });
  const needed = new Set<string>();
  const listeners =
    proxy.captureMode === 'NONE'
      ? explicitSidecarListeners(index, proxy, needed)
      : captureSidecarListeners(index, proxy, outbound.visible, needed, outboundTrafficMode(index, proxy));
  const routes: Json[] = [];
  if (needed.has('http_proxy')) routes.push(sidecarRoutes.httpProxy);
  for (const rc of sidecarRoutes.perPort) if (needed.has(rc['name'] as string)) routes.push(rc);
  return { clusters, endpoints, listeners, routes };
}

function uniqueServices(plans: ClusterPlan[]): MeshService[] {
  const seen = new Set<string>();
  const out: MeshService[] = [];
  for (const p of plans) {
    if (seen.has(p.service.hostname)) continue;
    seen.add(p.service.hostname);
    out.push(p.service);
  }
  return out;
}

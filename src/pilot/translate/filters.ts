// Network filter builders shared by sidecar and gateway listeners: Envoy's HTTP connection manager
// (with the HTTP filters Istio installs that Weft implements) and TCP proxy, from Istio tcp routes.
import type { L4MatchAttributes, RouteDestination, TCPRoute } from '../../api/types/index.ts';
import type { Json } from './clusters.ts';
import { resolveHost } from './mesh.ts';
import { clusterName } from './proxy.ts';

const HCM_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';

export interface HcmOptions {
  statPrefix: string;
  /** RDS route name, or an inline route configuration. */
  rds?: string;
  routeConfig?: Json;
  /** Gateways and inbound sidecars trust the peer address; outbound sidecars do not. */
  useRemoteAddress: boolean;
  /**
   * Accept CONNECT (the explicit-mode HTTP proxy listener): clients that tunnel http:// requests
   * through HTTP_PROXY get them routed by the proxy as if sent in absolute form (docs/proxy.md).
   */
  connect?: boolean;
}

export function httpConnectionManager(o: HcmOptions): Json {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM_TYPE,
      stat_prefix: o.statPrefix,
      ...(o.rds !== undefined
        ? { rds: { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: o.rds } }
        : { route_config: o.routeConfig }),
      http_filters: [
        {
          name: 'envoy.filters.http.fault',
          typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault' },
        },
        {
          name: 'envoy.filters.http.cors',
          typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' },
        },
        {
          name: 'envoy.filters.http.router',
          typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
        },
      ],
      use_remote_address: o.useRemoteAddress,
      normalize_path: true,
      upgrade_configs: o.connect
        ? [{ upgrade_type: 'websocket' }, { upgrade_type: 'CONNECT' }]
        : [{ upgrade_type: 'websocket' }],
      stream_idle_timeout: '0s',
    },
  };
}

export function tcpProxy(
  statPrefix: string,
  target: { cluster: string } | { weighted: { name: string; weight: number }[] },
): Json {
  return {
    name: 'envoy.filters.network.tcp_proxy',
    typed_config: {
      '@type': TCP_PROXY_TYPE,
      stat_prefix: statPrefix,
      ...('cluster' in target
        ? { cluster: target.cluster }
        : { weighted_clusters: { clusters: target.weighted } }),
    },
  };
}

export interface TcpRouteContext {
  namespace: string;
  port: number;
  gateway: string;
  proxyLabels: Record<string, string>;
  proxyNamespace: string;
  portsOf(host: string): number[];
}

/**
 * Whether an L4 match applies to this proxy, as Istio's sourceMatchTCP: with `gateways`, only
 * whether this proxy is one of them; otherwise the source labels and namespace.
 */
function l4Applies(m: L4MatchAttributes, ctx: TcpRouteContext): boolean {
  if (m.port !== undefined && m.port !== ctx.port) return false;
  if (m.gateways && m.gateways.length > 0) {
    return m.gateways.some(
      (g) => (g === 'mesh' ? 'mesh' : g.includes('/') ? g : `${ctx.namespace}/${g}`) === ctx.gateway,
    );
  }
  if (m.sourceLabels) {
    for (const [k, v] of Object.entries(m.sourceLabels)) if (ctx.proxyLabels[k] !== v) return false;
  }
  return !m.sourceNamespace || m.sourceNamespace === ctx.proxyNamespace;
}

/** The cluster of a TCP or TLS route destination: a short host in the route's namespace, the port
 * the destination names, else the service's only port, else the listener's. */
export function destCluster(d: RouteDestination, ctx: TcpRouteContext): string {
  const host = resolveHost(d.destination?.host ?? '', ctx.namespace);
  let port = d.destination?.port?.number;
  if (port === undefined) {
    const ports = ctx.portsOf(host);
    port = ports.length === 1 ? ports[0]! : ctx.port;
  }
  return clusterName('outbound', port, d.destination?.subset ?? '', host);
}

/** The tcp_proxy target of the first Istio tcp route that applies, or undefined. */
export function tcpRouteTarget(
  routes: TCPRoute[] | undefined,
  ctx: TcpRouteContext,
): { cluster: string } | { weighted: { name: string; weight: number }[] } | undefined {
  for (const r of routes ?? []) {
    const applies = !r.match || r.match.length === 0 || r.match.some((m) => l4Applies(m, ctx));
    if (!applies) continue;
    const target = l4Target(r.route ?? [], (d) => destCluster(d, ctx));
    if (target) return target;
  }
  return undefined;
}

/**
 * The tcp_proxy target of a TCP or TLS route's destinations, as Istio's buildOutboundNetworkFilters:
 * one destination is a plain cluster whatever its weight; several are weighted_clusters of those
 * with a weight above 0 (Envoy requires each tcp_proxy weight ≥ 1). The weights are relative shares
 * and are passed as they are.
 */
export function l4Target(
  dests: readonly RouteDestination[],
  cluster: (d: RouteDestination) => string,
): { cluster: string } | { weighted: { name: string; weight: number }[] } | undefined {
  if (dests.length === 0) return undefined;
  if (dests.length === 1) return { cluster: cluster(dests[0]!) };
  const kept = dests.filter((d) => (d.weight ?? 0) > 0);
  // All 0 is rejected by validation ("total destination weight = 0"); kept whole, the proxy NACKs it.
  const split = kept.length > 0 ? kept : dests;
  return { weighted: split.map((d) => ({ name: cluster(d), weight: d.weight ?? 0 })) };
}

export function listenerJson(
  name: string,
  bind: string,
  port: number,
  filterChains: Json[],
  extra: Json = {},
): Json {
  return {
    '@type': LISTENER_TYPE,
    name,
    address: { socket_address: { address: bind, port_value: port } },
    filter_chains: filterChains,
    ...extra,
  };
}

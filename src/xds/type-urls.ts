// Type URLs of the xDS v3 resources, as they appear in DiscoveryRequest.type_url and on every
// resource Any.

const PREFIX = 'type.googleapis.com/';

export const LISTENER_TYPE = `${PREFIX}envoy.config.listener.v3.Listener`;
export const ROUTE_TYPE = `${PREFIX}envoy.config.route.v3.RouteConfiguration`;
export const CLUSTER_TYPE = `${PREFIX}envoy.config.cluster.v3.Cluster`;
export const ENDPOINT_TYPE = `${PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`;
export const SECRET_TYPE = `${PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`;

export const HTTP_CONNECTION_MANAGER_TYPE = `${PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;
export const TCP_PROXY_TYPE = `${PREFIX}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`;
export const ROUTER_TYPE = `${PREFIX}envoy.extensions.filters.http.router.v3.Router`;
export const FAULT_TYPE = `${PREFIX}envoy.extensions.filters.http.fault.v3.HTTPFault`;
export const UPSTREAM_TLS_CONTEXT_TYPE = `${PREFIX}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`;
export const DOWNSTREAM_TLS_CONTEXT_TYPE = `${PREFIX}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`;
export const HTTP_PROTOCOL_OPTIONS_TYPE = `${PREFIX}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`;

/** The short names Envoy's and istioctl's output use for the resource types. */
export const TYPE_SHORT_NAMES: Readonly<Record<string, string>> = {
  [CLUSTER_TYPE]: 'CDS',
  [ENDPOINT_TYPE]: 'EDS',
  [LISTENER_TYPE]: 'LDS',
  [ROUTE_TYPE]: 'RDS',
  [SECRET_TYPE]: 'SDS',
};

/** Order in which a push sends types, so that nothing arrives before what it refers to. */
export const PUSH_ORDER: readonly string[] = [
  CLUSTER_TYPE,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  ROUTE_TYPE,
  SECRET_TYPE,
];

/**
 * The field holding a resource's name: Listener.name, Cluster.name, RouteConfiguration.name,
 * Secret.name, and ClusterLoadAssignment.cluster_name.
 */
export function resourceName(typeUrl: string, resource: unknown): string | undefined {
  if (typeof resource !== 'object' || resource === null) return undefined;
  const record = resource as Record<string, unknown>;
  const value = typeUrl === ENDPOINT_TYPE ? record['cluster_name'] : record['name'];
  return typeof value === 'string' ? value : undefined;
}

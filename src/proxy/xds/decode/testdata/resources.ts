// Builders of minimal valid resources in Envoy's JSON form, for the decoder tests to vary.
export function hcm(
  extra: Record<string, unknown> = {},
  routeExtra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    '@type':
      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: 'http',
    route_config: {
      name: 'r',
      virtual_hosts: [
        {
          name: 'vh',
          domains: ['*'],
          routes: [{ match: { prefix: '/' }, route: { cluster: 'c', ...routeExtra } }],
        },
      ],
    },
    http_filters: [{ name: 'envoy.filters.http.router' }],
    ...extra,
  };
}

export function listener(
  filterConfig: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: 'l',
    address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
    filter_chains: [
      { filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: filterConfig }] },
    ],
    ...extra,
  };
}

export function staticCluster(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'c',
    type: 'STATIC',
    load_assignment: {
      cluster_name: 'c',
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 80 } } } },
          ],
        },
      ],
    },
    ...extra,
  };
}

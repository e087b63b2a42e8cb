import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type DecodeError,
  type DecodeResult,
  decodeCluster,
  decodeClusterLoadAssignment,
  decodeListener,
} from '../index.ts';
import { hcm, listener, staticCluster } from './testdata/resources.ts';

function errors<T>(res: DecodeResult<T>): DecodeError[] {
  if (res.ok) assert.fail('expected the resource to be rejected');
  return res.errors;
}

const HCM_PATH = 'filter_chains[0].filters[0].typed_config';
const ROUTE_PATH = `${HCM_PATH}.route_config.virtual_hosts[0].routes[0]`;

test('unknown field, named with the resource', () => {
  assert.deepEqual(errors(decodeCluster(staticCluster({ dns_refresh_rate: '5s' }))), [
    { path: 'dns_refresh_rate', message: "unsupported field 'dns_refresh_rate' in Cluster 'c'" },
  ]);
  assert.deepEqual(errors(decodeListener(listener(hcm({ tracing: { random_sampling: { value: 1 } } })))), [
    { path: `${HCM_PATH}.tracing`, message: "unsupported field 'tracing' in Listener 'l'" },
  ]);
});

test('unsupported HTTP filter, unless optional; router must be last', () => {
  const withFilter = (filters: unknown[]) => decodeListener(listener(hcm({ http_filters: filters })));
  assert.deepEqual(
    errors(withFilter([{ name: 'envoy.filters.http.lua' }, { name: 'envoy.filters.http.router' }])),
    [
      {
        path: `${HCM_PATH}.http_filters[0].name`,
        message:
          "Listener 'l': Didn't find a registered implementation for HTTP filter 'envoy.filters.http.lua' with type URL: ''",
      },
    ],
  );
  const typed = errors(
    withFilter([
      {
        name: 'x',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC' },
      },
      { name: 'envoy.filters.http.router' },
    ]),
  );
  assert.equal(typed[0]!.path, `${HCM_PATH}.http_filters[0].typed_config`);
  assert.match(
    typed[0]!.message,
    /type URL: 'type.googleapis.com\/envoy.extensions.filters.http.rbac.v3.RBAC'/,
  );
  assert.equal(
    withFilter([{ name: 'envoy.filters.http.lua', is_optional: true }, { name: 'envoy.filters.http.router' }])
      .ok,
    true,
  );
  assert.deepEqual(
    errors(withFilter([{ name: 'envoy.filters.http.router' }, { name: 'envoy.filters.http.fault' }])),
    [
      {
        path: `${HCM_PATH}.http_filters[0]`,
        message:
          "Listener 'l': terminal filter named envoy.filters.http.router of type envoy.filters.http.router must be the last filter in a http filter chain",
      },
      {
        path: `${HCM_PATH}.http_filters[1]`,
        message:
          "Listener 'l': non-terminal filter named envoy.filters.http.fault of type envoy.filters.http.fault is the last filter in a http filter chain",
      },
    ],
  );
});

test('unsupported network filter', () => {
  const l = listener({});
  l['filter_chains'] = [
    {
      filters: [
        {
          name: 'envoy.filters.network.redis_proxy',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy',
          },
        },
      ],
    },
  ];
  assert.deepEqual(
    errors(decodeListener(l)).map((e) => e.path),
    ['filter_chains[0].filters[0].typed_config'],
  );
});

test('invalid regex, with the full field path', () => {
  const l = listener(hcm());
  const vh = (
    (l['filter_chains'] as Record<string, unknown>[])[0]!['filters'] as Record<
      string,
      Record<string, unknown>
    >[]
  )[0]!['typed_config']!;
  (vh['route_config'] as Record<string, unknown>)['virtual_hosts'] = [
    {
      name: 'v',
      domains: ['*'],
      routes: [
        { match: { prefix: '/' }, route: { cluster: 'c' } },
        { match: { prefix: '/' }, route: { cluster: 'c' } },
        { match: { safe_regex: { regex: '/(a' } }, route: { cluster: 'c' } },
      ],
    },
  ];
  l['filter_chains'] = [
    { filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: vh }] },
  ];
  // put the chain at index 1 to check indexes along the whole path
  (l['filter_chains'] as unknown[]).unshift({
    filter_chain_match: { destination_port: 1 },
    filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm() }],
  });
  assert.deepEqual(errors(decodeListener(l)), [
    {
      path: 'filter_chains[1].filters[0].typed_config.route_config.virtual_hosts[0].routes[2].match.safe_regex.regex',
      message: "Listener 'l': invalid regex '/(a': error parsing regexp: missing closing ): `/(a`",
    },
  ]);
});

test('weights: zero sum, missing name', () => {
  const res = decodeListener(listener(hcm({}, {})));
  assert.equal(res.ok, true);
  const routeWith = (action: Record<string, unknown>) => {
    const h = hcm();
    const rc = h['route_config'] as { virtual_hosts: { routes: Record<string, unknown>[] }[] };
    rc.virtual_hosts[0]!.routes[0]!['route'] = action;
    return decodeListener(listener(h));
  };
  assert.deepEqual(
    errors(routeWith({ weighted_clusters: { clusters: [{ name: 'a', weight: 0 }, { weight: 0 }] } })),
    [
      {
        path: `${ROUTE_PATH}.route.weighted_clusters.clusters[1].name`,
        message: "Listener 'l': weighted cluster 'name' is required",
      },
      {
        path: `${ROUTE_PATH}.route.weighted_clusters.clusters`,
        message: "Listener 'l': sum of weights in the weighted_cluster must be greater than 0",
      },
    ],
  );
});

test('missing cluster specifier, in routes and in tcp_proxy', () => {
  const h = hcm();
  const rc = h['route_config'] as { virtual_hosts: { routes: Record<string, unknown>[] }[] };
  rc.virtual_hosts[0]!.routes[0]!['route'] = { timeout: '1s' };
  assert.deepEqual(errors(decodeListener(listener(h))), [
    {
      path: `${ROUTE_PATH}.route`,
      message: "Listener 'l': route action needs one of cluster, cluster_header, weighted_clusters",
    },
  ]);
  const tcp = listener({});
  tcp['filter_chains'] = [
    {
      filters: [
        {
          name: 'envoy.filters.network.tcp_proxy',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
            stat_prefix: 't',
          },
        },
      ],
    },
  ];
  assert.deepEqual(errors(decodeListener(tcp)), [
    { path: HCM_PATH, message: "Listener 'l': tcp_proxy needs 'cluster' or 'weighted_clusters'" },
  ]);
});

test('bad port and malformed address', () => {
  assert.deepEqual(
    errors(
      decodeListener(
        listener(hcm(), { address: { socket_address: { address: 'example.com', port_value: 70000 } } }),
      ),
    ),
    [
      {
        path: 'address.socket_address.port_value',
        message: "Listener 'l': 'port_value' must be between 0 and 65535, got 70000",
      },
      { path: 'address.socket_address.address', message: "Listener 'l': malformed IP address: example.com" },
    ],
  );
  assert.deepEqual(
    errors(
      decodeClusterLoadAssignment({
        cluster_name: 'x',
        endpoints: [
          {
            lb_endpoints: [
              { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: -1 } } } },
            ],
          },
        ],
      }),
    ),
    [
      {
        path: 'endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value',
        message: "ClusterLoadAssignment 'x': 'port_value' must be between 0 and 65535, got -1",
      },
    ],
  );
});

test('bad enum, by name and by number', () => {
  assert.deepEqual(errors(decodeCluster(staticCluster({ lb_policy: 'FASTEST' }))), [
    {
      path: 'lb_policy',
      message:
        "Cluster 'c': invalid value 'FASTEST' for enum 'lb_policy' (expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV, CLUSTER_PROVIDED, LOAD_BALANCING_POLICY_CONFIG)",
    },
  ]);
  assert.deepEqual(
    errors(decodeCluster(staticCluster({ type: 9 }))).map((e) => e.path),
    ['type'],
  );
  assert.deepEqual(
    errors(decodeCluster(staticCluster({ lb_policy: 4 }))).map((e) => e.path),
    ['lb_policy'],
  );
});

test('other validations: durations, maglev size, ORIGINAL_DST policy, duplicate domains and filter chains', () => {
  assert.deepEqual(
    errors(decodeCluster(staticCluster({ connect_timeout: '5m', maglev_lb_config: { table_size: 100 } }))),
    [
      {
        path: 'connect_timeout',
        message: `Cluster 'c': 'connect_timeout' must be a duration such as "1.5s", got '5m'`,
      },
      {
        path: 'maglev_lb_config.table_size',
        message: "Cluster 'c': the table size of maglev must be prime number, got 100",
      },
    ],
  );
  assert.deepEqual(errors(decodeCluster({ name: 'o', type: 'ORIGINAL_DST' })), [
    {
      path: 'lb_policy',
      message:
        "Cluster 'o': LB policy ROUND_ROBIN is not valid for Cluster type ORIGINAL_DST; only 'CLUSTER_PROVIDED' is allowed",
    },
  ]);
  const h = hcm();
  const rc = h['route_config'] as { virtual_hosts: Record<string, unknown>[] };
  rc.virtual_hosts.push({ name: 'vh2', domains: ['a', '*'], routes: [] });
  assert.deepEqual(
    errors(decodeListener(listener(h))).map((e) => [e.path, e.message]),
    [
      [
        `${HCM_PATH}.route_config.virtual_hosts[1].domains[1]`,
        "Listener 'l': only unique values for domains are permitted; duplicate entry of domain * in route r",
      ],
    ],
  );
  const two = listener(hcm());
  const chains = two['filter_chains'] as unknown[];
  chains.push(chains[0]);
  assert.deepEqual(
    errors(decodeListener(two)).map((e) => e.path),
    ['filter_chains[1].filter_chain_match'],
  );
});

test('not an object, and no name', () => {
  assert.deepEqual(errors(decodeCluster('nope')), [
    { path: '', message: "Cluster: Cluster must be an object, got string 'nope'" },
  ]);
  assert.deepEqual(errors(decodeCluster({ ...staticCluster(), name: '' })), [
    { path: 'name', message: "Cluster '': 'name' is required and must be non-empty" },
  ]);
});

test('connection-manager and route fields weft does not act on are refused, not ignored', () => {
  const hops = errors(decodeListener(listener(hcm({ xff_num_trusted_hops: 1 }))));
  assert.equal(hops[0]!.path, `${HCM_PATH}.xff_num_trusted_hops`);
  assert.match(hops[0]!.message, /only 0 is supported/);
  assert.equal(decodeListener(listener(hcm({ xff_num_trusted_hops: 0 }))).ok, true);

  const msd = errors(
    decodeListener(listener(hcm({}, { max_stream_duration: { max_stream_duration: '5s' } }))),
  );
  assert.equal(msd[0]!.path, `${ROUTE_PATH}.route.max_stream_duration.max_stream_duration`);
  assert.match(msd[0]!.message, /'max_stream_duration' is not supported/);
  assert.equal(
    decodeListener(listener(hcm({}, { max_stream_duration: { max_stream_duration: '0s' } }))).ok,
    true,
  );
  // Decoded and acted on: the 100-continue choice and preserve_external_request_id.
  const ok = decodeListener(listener(hcm({ proxy_100_continue: true, preserve_external_request_id: true })));
  assert.equal(ok.ok, true);
});

test('http_protocol_options: accept_http_10 and default_host_for_http_10 decoded, other fields refused', () => {
  const ok = decodeListener(
    listener(hcm({ http_protocol_options: { accept_http_10: true, default_host_for_http_10: 'h' } })),
  );
  assert.equal(ok.ok, true);
  const other = errors(
    decodeListener(listener(hcm({ http_protocol_options: { allow_chunked_length: true } }))),
  );
  assert.equal(other[0]!.path, `${HCM_PATH}.http_protocol_options.allow_chunked_length`);
});

test('common_http_protocol_options.max_headers_count: decoded, at least 1', () => {
  const ok = decodeListener(listener(hcm({ common_http_protocol_options: { max_headers_count: 20 } })));
  assert.equal(ok.ok, true);
  const zero = errors(
    decodeListener(listener(hcm({ common_http_protocol_options: { max_headers_count: 0 } }))),
  );
  assert.equal(zero[0]!.path, `${HCM_PATH}.common_http_protocol_options.max_headers_count`);
});

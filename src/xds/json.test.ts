import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  anyToJson,
  CLUSTER_TYPE,
  decodeDiscoveryRequest,
  decodeDiscoveryResponse,
  ENDPOINT_TYPE,
  encodeDiscoveryRequest,
  encodeDiscoveryResponse,
  formatDuration,
  type JsonObject,
  jsonToAny,
  LISTENER_TYPE,
  parseDuration,
  protoLoadStats,
  ROUTE_TYPE,
} from './index.ts';

function roundTrip(json: JsonObject): JsonObject {
  const any = jsonToAny(json);
  assert.ok(any.ok, JSON.stringify(any));
  assert.equal(any.value.type_url, json['@type']);
  const back = anyToJson(any.value);
  assert.ok(back.ok, JSON.stringify(back));
  return back.value;
}

const listener: JsonObject = {
  '@type': LISTENER_TYPE,
  name: '0.0.0.0_9080',
  address: { socket_address: { address: '0.0.0.0', port_value: 9080 } },
  listener_filters: [
    {
      name: 'envoy.filters.listener.tls_inspector',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
      },
    },
  ],
  filter_chains: [
    {
      filter_chain_match: {
        server_names: ['reviews.default.svc.cluster.local'],
        application_protocols: ['h2'],
      },
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type':
              'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            stat_prefix: 'outbound_0.0.0.0_9080',
            rds: { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: '9080' },
            http_filters: [
              {
                name: 'envoy.filters.http.fault',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
                  delay: { fixed_delay: '7s', percentage: { numerator: 100, denominator: 'TEN_THOUSAND' } },
                  abort: { http_status: 500, percentage: { numerator: 50 } },
                },
              },
              {
                name: 'envoy.filters.http.router',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
                },
              },
            ],
            stream_idle_timeout: '0.250s',
            use_remote_address: false,
            max_request_headers_kb: 96,
            codec_type: 'HTTP2',
          },
        },
      ],
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
          common_tls_context: {
            tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: { ads: {} } }],
            alpn_protocols: ['h2', 'http/1.1'],
          },
          require_client_certificate: true,
        },
      },
    },
  ],
  metadata: { filter_metadata: { istio: { config: '/apis/x', weight: 1.5, tags: [true, null, 'a'] } } },
};

test('a listener with nested Any typed_configs and a transport socket survives a round trip', () => {
  assert.deepEqual(roundTrip(listener), listener);
});

test('routes, clusters and endpoints round-trip, typed_per_filter_config included', () => {
  const route: JsonObject = {
    '@type': ROUTE_TYPE,
    name: '9080',
    virtual_hosts: [
      {
        name: 'reviews.default.svc.cluster.local:9080',
        domains: ['reviews.default.svc.cluster.local', 'reviews'],
        routes: [
          {
            match: {
              safe_regex: { regex: '/api/v[0-9]+/.*' },
              headers: [{ name: 'end-user', string_match: { exact: 'jason' } }],
            },
            route: {
              weighted_clusters: {
                clusters: [
                  { name: 'outbound|9080|v2|reviews.default.svc.cluster.local', weight: 90 },
                  { name: 'outbound|9080|v3|reviews.default.svc.cluster.local', weight: 10 },
                ],
              },
              timeout: '0s',
              retry_policy: { retry_on: 'connect-failure,5xx', num_retries: 2, per_try_timeout: '1.500s' },
            },
            typed_per_filter_config: {
              'envoy.filters.http.fault': {
                '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
                abort: { http_status: 418, percentage: { numerator: 100 } },
              },
            },
          },
        ],
      },
    ],
  };
  assert.deepEqual(roundTrip(route), route);

  const cluster: JsonObject = {
    '@type': CLUSTER_TYPE,
    name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
    type: 'EDS',
    eds_cluster_config: {
      eds_config: { ads: {}, resource_api_version: 'V3' },
      service_name: 'outbound|9080|v1|reviews',
    },
    connect_timeout: '10s',
    lb_policy: 'LEAST_REQUEST',
    circuit_breakers: {
      thresholds: [{ max_connections: 1, max_pending_requests: 1, max_requests: 4294967295 }],
    },
    outlier_detection: {
      consecutive_5xx: 1,
      interval: '1s',
      base_ejection_time: '180s',
      max_ejection_percent: 100,
    },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
        common_http_protocol_options: { max_requests_per_connection: 1, idle_timeout: '3600s' },
      },
    },
  };
  assert.deepEqual(roundTrip(cluster), cluster);

  const endpoints: JsonObject = {
    '@type': ENDPOINT_TYPE,
    cluster_name: 'outbound|9080|v1|reviews',
    endpoints: [
      {
        locality: { region: 'r1', zone: 'z1' },
        lb_endpoints: [
          {
            endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 40123 } } },
            health_status: 'HEALTHY',
            load_balancing_weight: 3,
          },
        ],
      },
    ],
  };
  assert.deepEqual(roundTrip(endpoints), endpoints);
});

test('lowerCamelCase input is accepted and rendered back in snake_case', () => {
  const back = roundTrip({ '@type': CLUSTER_TYPE, name: 'c', connectTimeout: '1s', lbPolicy: 'RANDOM' });
  assert.deepEqual(back, { '@type': CLUSTER_TYPE, name: 'c', connect_timeout: '1s', lb_policy: 'RANDOM' });
});

test('bad input is an error naming the field, not a crash', () => {
  const cases: [JsonObject, string, RegExp][] = [
    [{ '@type': CLUSTER_TYPE, name: 'c', connect_timout: '1s' }, 'connect_timout', /unknown field/],
    [{ '@type': CLUSTER_TYPE, name: 'c', connect_timeout: '1 second' }, 'connect_timeout', /duration/],
    [{ '@type': CLUSTER_TYPE, name: 'c', lb_policy: 'FASTEST' }, 'lb_policy', /unknown value "FASTEST"/],
    [{ '@type': CLUSTER_TYPE, name: 7 }, 'name', /expected a string/],
    [
      {
        '@type': LISTENER_TYPE,
        filter_chains: [
          { filters: [{ name: 'x', typed_config: { '@type': 'type.googleapis.com/no.Such' } }] },
        ],
      },
      'filter_chains[0].filters[0].typed_config.@type',
      /unknown type/,
    ],
    [
      { '@type': ROUTE_TYPE, virtual_hosts: [{ routes: [{ match: { prefix: '/', path: '/x' } }] }] },
      'virtual_hosts[0].routes[0].match.path',
      /oneof/,
    ],
  ];
  for (const [json, path, message] of cases) {
    const result = jsonToAny(json);
    assert.equal(result.ok, false, JSON.stringify(json));
    if (result.ok) continue;
    assert.equal(result.errors[0]!.path, path);
    assert.match(result.errors[0]!.message, message);
  }
  const garbage = anyToJson({ type_url: LISTENER_TYPE, value: new Uint8Array([0x0a, 0xff]) });
  assert.equal(garbage.ok, false);
});

test('durations print in the canonical form and parse any precision', () => {
  assert.equal(formatDuration(1n, 500_000_000), '1.500s');
  assert.equal(formatDuration(0n, 1000), '0.000001s');
  assert.equal(formatDuration(10n, 0), '10s');
  assert.equal(formatDuration(0n, -10_000_000), '-0.010s');
  assert.deepEqual(parseDuration('1.5s'), { seconds: 1n, nanos: 500_000_000 });
  assert.equal(parseDuration('1.5'), undefined);
  assert.equal(parseDuration('1.5ms'), undefined);
});

test('discovery envelopes encode and decode, node metadata and error_detail included', () => {
  const request = {
    version_info: '3',
    node: {
      id: 'sidecar~10.0.0.1~a.ns~ns.svc.cluster.local',
      cluster: 'a.ns',
      metadata: { NAMESPACE: 'ns', LABELS: { app: 'a' } },
    },
    resource_names: ['9080'],
    type_url: ROUTE_TYPE,
    response_nonce: 'n1',
    error_detail: { code: 3, message: 'bad regex' },
  };
  assert.deepEqual(decodeDiscoveryRequest(encodeDiscoveryRequest(request)), request);
  const any = jsonToAny({ '@type': CLUSTER_TYPE, name: 'c' });
  assert.ok(any.ok);
  const response = { version_info: 'v1', resources: [any.value], type_url: CLUSTER_TYPE, nonce: 'n2' };
  const decoded = decodeDiscoveryResponse(encodeDiscoveryResponse(response));
  assert.equal(decoded.nonce, 'n2');
  assert.deepEqual(anyToJson(decoded.resources[0]!), {
    ok: true,
    value: { '@type': CLUSTER_TYPE, name: 'c' },
  });
});

test('the protos load once and fast enough for a proxy start', () => {
  const stats = protoLoadStats();
  assert.ok(stats.types > 300, `loaded ${stats.types} message types`);
  assert.ok(stats.loadMs < 2000, `proto load took ${stats.loadMs} ms`);
  assert.equal(protoLoadStats(), stats);
});

test('fields at their proto3 default are left out, as Envoy prints them, but wrappers keep presence', () => {
  const back = roundTrip({
    '@type': ROUTE_TYPE,
    name: 'r',
    validate_clusters: false,
    virtual_hosts: [
      {
        name: 'v',
        domains: ['*'],
        routes: [{ match: { prefix: '' }, route: { cluster: 'c', priority: 'DEFAULT' } }],
      },
    ],
  });
  assert.deepEqual(back, {
    '@type': ROUTE_TYPE,
    name: 'r',
    validate_clusters: false,
    virtual_hosts: [
      { name: 'v', domains: ['*'], routes: [{ match: { prefix: '' }, route: { cluster: 'c' } }] },
    ],
  });
});

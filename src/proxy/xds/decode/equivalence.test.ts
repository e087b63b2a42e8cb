import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type DecodeResult,
  decodeCluster,
  decodeListener,
  decodeResource,
  formatDecodeErrors,
} from '../index.ts';
import { hcm, listener, staticCluster } from './testdata/resources.ts';

function ok<T>(res: DecodeResult<T>): T {
  if (!res.ok) assert.fail(res.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return res.value;
}

test('snake_case, camelCase, {seconds,nanos}, wrapper objects and enum numbers decode alike', () => {
  const snake = staticCluster({
    type: 'STATIC',
    connect_timeout: '1.5s',
    lb_policy: 'RING_HASH',
    ring_hash_lb_config: { minimum_ring_size: 16 },
    per_connection_buffer_limit_bytes: 4096,
    circuit_breakers: { thresholds: [{ max_connections: 7, max_retries: 1 }] },
    outlier_detection: {
      consecutive_5xx: 2,
      base_ejection_time: '0.25s',
      split_external_local_origin_errors: true,
    },
  });
  const camel = {
    name: 'c',
    type: 0, // STATIC
    connectTimeout: { seconds: '1', nanos: 500_000_000 },
    lbPolicy: 2, // RING_HASH
    ringHashLbConfig: { minimumRingSize: { value: 16 } },
    perConnectionBufferLimitBytes: { value: 4096 },
    circuitBreakers: { thresholds: [{ maxConnections: { value: '7' }, maxRetries: 1 }] },
    outlierDetection: {
      consecutive5xx: { value: 2 },
      baseEjectionTime: { seconds: 0, nanos: 250_000_000 },
      splitExternalLocalOriginErrors: true,
    },
    loadAssignment: {
      clusterName: 'c',
      endpoints: [
        {
          lbEndpoints: [
            { endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: 80 } } } },
          ],
        },
      ],
    },
  };
  const a = ok(decodeCluster(snake));
  assert.deepEqual(ok(decodeCluster(camel)), a);
  assert.equal(a.connectTimeoutMs, 1500);
  assert.equal(a.outlierDetection?.baseEjectionTimeMs, 250);
  assert.equal(a.circuitBreakers.maxConnections, 7);
});

test('camelCase inside typed_config; proto3 defaults and nulls count as unset', () => {
  const snake = listener(
    hcm({ stream_idle_timeout: '2s', max_request_headers_kb: 90, use_remote_address: true }),
  );
  const camel = listener({
    '@type':
      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    statPrefix: 'http',
    streamIdleTimeout: { seconds: 2 },
    maxRequestHeadersKb: { value: 90 },
    useRemoteAddress: { value: true },
    codecType: 0,
    routeConfig: {
      name: 'r',
      virtualHosts: [
        { name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] },
      ],
    },
    httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: null }],
    // unimplemented fields at their proto3 default are indistinguishable from unset
    proxy100Continue: false,
    viaHeader: '',
    internalOnlyHeaders: [],
  });
  assert.deepEqual(ok(decodeListener(camel)), ok(decodeListener(snake)));
});

test('decodeResource dispatches on type URL', () => {
  const res = decodeResource('type.googleapis.com/envoy.config.cluster.v3.Cluster', staticCluster());
  assert.equal(res.ok, true);
  if (res.ok) {
    assert.equal(res.value.name, 'c');
    assert.equal(res.value.typeUrl, 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
  }
  const eds = decodeResource('type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment', {
    clusterName: 'x',
    endpoints: [],
  });
  assert.ok(eds.ok && eds.value.name === 'x');
  const unknown = decodeResource('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', {});
  assert.deepEqual(unknown, {
    ok: false,
    errors: [
      {
        path: '',
        message:
          "unsupported resource type URL 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret'",
      },
    ],
  });
});

test('a field given in both spellings is an error', () => {
  const res = decodeCluster(staticCluster({ connect_timeout: '1s', connectTimeout: '2s' }));
  assert.equal(res.ok, false);
  if (!res.ok) {
    assert.deepEqual(res.errors, [
      {
        path: 'connect_timeout',
        message:
          "Cluster 'c': field 'connect_timeout' is given twice (as 'connect_timeout' and 'connectTimeout')",
      },
    ]);
  }
});

test('formatDecodeErrors gives one line per error', () => {
  const res = decodeCluster(staticCluster({ foo: 1, lb_policy: 'X' }));
  assert.equal(res.ok, false);
  if (!res.ok) {
    assert.equal(
      formatDecodeErrors(res.errors),
      "lb_policy: Cluster 'c': invalid value 'X' for enum 'lb_policy' (expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV, CLUSTER_PROVIDED, LOAD_BALANCING_POLICY_CONFIG)\nfoo: unsupported field 'foo' in Cluster 'c'",
    );
  }
});

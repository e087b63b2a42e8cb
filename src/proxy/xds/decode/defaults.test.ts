import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpConnectionManagerConfig, RouteActionConfig, TcpProxyConfig } from '../../config/index.ts';
import {
  type DecodeResult,
  decodeCluster,
  decodeClusterLoadAssignment,
  decodeListener,
  decodeRouteConfiguration,
} from '../index.ts';
import { hcm, listener, staticCluster } from './testdata/resources.ts';

function ok<T>(res: DecodeResult<T>): T {
  if (!res.ok) assert.fail(res.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return res.value;
}

test('HttpConnectionManager defaults', () => {
  const l = ok(decodeListener(listener(hcm())));
  const m = l.filterChains[0]!.filter as HttpConnectionManagerConfig;
  assert.equal(m.codec, 'AUTO');
  assert.equal(m.requestTimeoutMs, 0);
  assert.equal(m.requestHeadersTimeoutMs, 0); // Envoy: unset or 0 disables it
  assert.equal(m.streamIdleTimeoutMs, 300_000);
  assert.equal(m.idleTimeoutMs, 3_600_000);
  assert.equal(m.maxRequestHeadersKb, 60);
  assert.equal(m.useRemoteAddress, false);
  assert.equal(m.xffNumTrustedHops, 0);
  assert.equal(m.skipXffAppend, false);
  assert.equal(m.generateRequestId, true);
  assert.equal(m.preserveExternalRequestId, false);
  assert.equal(m.serverName, 'envoy');
  assert.equal(m.serverHeaderTransformation, 'OVERWRITE');
  assert.equal(m.normalizePath, false);
  assert.equal(m.mergeSlashes, false);
  assert.deepEqual(m.upgrades, []);
  assert.deepEqual(m.accessLog, []);
  assert.deepEqual(m.httpFilters, [{ name: 'envoy.filters.http.router', config: {} }]);
  // listener defaults
  assert.equal(l.bindToPort, true);
  assert.equal(l.useOriginalDst, false);
  assert.equal(l.perConnectionBufferLimitBytes, 1_048_576);
  assert.equal(l.statPrefix, '0.0.0.0_8080');
  assert.deepEqual(l.listenerFilters, []);
});

test('route, retry and redirect defaults', () => {
  const rc = ok(
    decodeRouteConfiguration({
      name: 'r',
      virtual_hosts: [
        {
          name: 'vh',
          domains: ['*'],
          routes: [
            { match: { prefix: '/a' }, route: { cluster: 'c', retry_policy: { retry_on: '5xx' } } },
            { match: { prefix: '/b' }, redirect: { path_redirect: '/x' } },
            { match: { prefix: '/c' }, route: { cluster: 'c', timeout: '0s' } },
          ],
        },
      ],
    }),
  );
  const [a, b, c] = rc.virtualHosts[0]!.routes;
  const action = a!.action as RouteActionConfig;
  assert.equal(action.timeoutMs, 15_000);
  assert.equal(action.autoHostRewrite, false);
  assert.equal(a!.match.caseSensitive, true);
  assert.equal(a!.match.fraction, undefined);
  assert.deepEqual(action.retryPolicy, {
    retryOn: ['5xx'],
    numRetries: 1,
    retriableStatusCodes: [],
    backoffBaseMs: 25,
    backoffMaxMs: 250,
    retryOtherHost: false,
    hostSelectionRetryMaxAttempts: 1,
  });
  assert.deepEqual(b!.action, { kind: 'redirect', pathRedirect: '/x', responseCode: 301, stripQuery: false });
  assert.equal((c!.action as RouteActionConfig).timeoutMs, 0, 'an explicit 0 disables the timeout');
});

test('cluster defaults', () => {
  const c = ok(decodeCluster(staticCluster()));
  assert.equal(c.connectTimeoutMs, 5_000);
  assert.equal(c.lbPolicy, 'ROUND_ROBIN');
  assert.deepEqual(c.circuitBreakers, {
    maxConnections: 1024,
    maxPendingRequests: 1024,
    maxRequests: 1024,
    maxRetries: 3,
  });
  assert.deepEqual(c.ringHash, { minimumRingSize: 1024, maximumRingSize: 8_388_608 });
  assert.deepEqual(c.maglev, { tableSize: 65_537 });
  assert.deepEqual(c.leastRequest, { choiceCount: 2 });
  assert.equal(c.upstreamProtocol, 'http1');
  assert.equal(c.idleTimeoutMs, 3_600_000);
  assert.equal(c.maxRequestsPerConnection, 0);
  assert.equal(c.perConnectionBufferLimitBytes, 1_048_576);
  assert.equal(c.edsServiceName, 'c');
  assert.equal(c.outlierDetection, undefined);
  assert.equal(c.healthyPanicThreshold, 50);
  assert.equal(c.tls, undefined);
  const withOutlier = ok(
    decodeCluster(staticCluster({ outlier_detection: {}, circuit_breakers: { thresholds: [{}] } })),
  );
  assert.deepEqual(withOutlier.outlierDetection, {
    consecutive5xx: 5,
    consecutiveGatewayFailure: 5,
    consecutiveLocalOriginFailure: 5,
    intervalMs: 10_000,
    baseEjectionTimeMs: 30_000,
    maxEjectionTimeMs: 300_000,
    maxEjectionPercent: 10,
    alwaysEjectOneHost: false,
    enforcingConsecutive5xx: 100,
    enforcingConsecutiveGatewayFailure: 0,
    splitExternalLocalOriginErrors: false,
    // Envoy's success-rate defaults: on (100), 5 hosts, 100 requests an interval, factor 1.9.
    enforcingSuccessRate: 100,
    successRateMinimumHosts: 5,
    successRateRequestVolume: 100,
    successRateStdevFactor: 1900,
  });
  assert.deepEqual(withOutlier.circuitBreakers, {
    maxConnections: 1024,
    maxPendingRequests: 1024,
    maxRequests: 1024,
    maxRetries: 3,
  });
});

test("common_lb_config.healthy_panic_threshold: Envoy's 50 when absent, a rounded Percent when set", () => {
  const threshold = (common: unknown) =>
    ok(decodeCluster(staticCluster(common === undefined ? {} : { common_lb_config: common })))
      .healthyPanicThreshold;
  assert.equal(threshold(undefined), 50);
  assert.equal(threshold({}), 50, 'an empty common_lb_config (as istiod may send) keeps the default');
  assert.equal(threshold({ healthy_panic_threshold: { value: 0 } }), 0);
  assert.equal(threshold({ healthy_panic_threshold: {} }), 0, 'proto3 JSON drops value 0: still 0');
  assert.equal(threshold({ healthyPanicThreshold: { value: 33.4 } }), 33);
  assert.equal(threshold({ healthy_panic_threshold: { value: 100 } }), 100);
  const rejected = decodeCluster(
    staticCluster({ common_lb_config: { healthy_panic_threshold: { value: 101 } } }),
  );
  assert.equal(rejected.ok, false);
  if (!rejected.ok) assert.match(rejected.errors[0]!.message, /between 0 and 100/);
  const other = decodeCluster(staticCluster({ common_lb_config: { update_merge_window: '1s' } }));
  assert.equal(other.ok, false, 'other common_lb_config fields are still reported');
});

test('outlier_detection.always_eject_one_host: off by default, decoded when set', () => {
  const od = (v: Record<string, unknown>) =>
    ok(decodeCluster(staticCluster({ outlier_detection: v }))).outlierDetection;
  assert.equal(od({})?.alwaysEjectOneHost, false);
  assert.equal(od({ always_eject_one_host: true })?.alwaysEjectOneHost, true);
  assert.equal(od({ alwaysEjectOneHost: { value: true } })?.alwaysEjectOneHost, true, 'as a BoolValue');
});

test('outlier_detection.max_ejection_time: 300 s or base_ejection_time if larger; never below base', () => {
  const decode = (v: Record<string, unknown>) => decodeCluster(staticCluster({ outlier_detection: v }));
  const od = (v: Record<string, unknown>) => ok(decode(v)).outlierDetection;
  assert.equal(od({})?.maxEjectionTimeMs, 300_000);
  assert.equal(od({ base_ejection_time: '400s' })?.maxEjectionTimeMs, 400_000);
  assert.equal(od({ base_ejection_time: '1s', max_ejection_time: '2s' })?.maxEjectionTimeMs, 2_000);
  const bad = decode({ base_ejection_time: '3s', max_ejection_time: '2s' });
  assert.equal(bad.ok, false);
  if (!bad.ok)
    assert.match(bad.errors[0]!.message, /max_ejection_time cannot be smaller than base_ejection_time/);
});

test('tcp_proxy and endpoint defaults', () => {
  const l = ok(
    decodeListener({
      name: 't',
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.tcp_proxy',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
                stat_prefix: 's',
                cluster: 'c',
              },
            },
          ],
        },
      ],
    }),
  );
  const t = l.filterChains[0]!.filter as TcpProxyConfig;
  assert.equal(t.idleTimeoutMs, 3_600_000);
  assert.equal(t.maxConnectAttempts, 1);
  assert.equal(t.cluster, 'c');
  const cla = ok(
    decodeClusterLoadAssignment({
      cluster_name: 'x',
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 1 } } } },
          ],
        },
      ],
    }),
  );
  assert.deepEqual(cla.localities[0], {
    locality: { region: '', zone: '', subZone: '' },
    priority: 0,
    endpoints: [{ address: { host: '10.0.0.1', port: 1 }, healthStatus: 'UNKNOWN', weight: 1, metadata: {} }],
  });
});

test('weighted clusters: total_weight absent is the sum; the deprecated total_weight is honoured', () => {
  const routes = (wc: Record<string, unknown>) => ({
    name: 'r',
    virtual_hosts: [
      { name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { weighted_clusters: wc } }] },
    ],
  });
  const sum = ok(
    decodeRouteConfiguration(
      routes({
        clusters: [
          { name: 'a', weight: 1 },
          { name: 'b', weight: 3 },
        ],
      }),
    ),
  );
  const action = sum.virtualHosts[0]!.routes[0]!.action as RouteActionConfig;
  assert.deepEqual(
    action.weightedClusters!.map((w) => [w.name, w.weight]),
    [
      ['a', 1],
      ['b', 3],
    ],
  );
  ok(
    decodeRouteConfiguration(
      routes({
        clusters: [
          { name: 'a', weight: 40 },
          { name: 'b', weight: 60 },
        ],
        total_weight: 100,
      }),
    ),
  );
  const bad = decodeRouteConfiguration(
    routes({
      clusters: [
        { name: 'a', weight: 40 },
        { name: 'b', weight: 50 },
      ],
      total_weight: 100,
    }),
  );
  assert.equal(bad.ok, false);
  if (!bad.ok) {
    assert.deepEqual(bad.errors, [
      {
        path: 'virtual_hosts[0].routes[0].route.weighted_clusters.total_weight',
        message:
          "RouteConfiguration 'r': sum of weights in the weighted_cluster (90) must add up to total_weight (100)",
      },
    ]);
  }
});

test('include_request_attempt_count: decoded when set (Istio sets it), absent by default', () => {
  const rc = ok(
    decodeRouteConfiguration({
      name: 'r',
      virtual_hosts: [
        { name: 'on', domains: ['a'], include_request_attempt_count: true, routes: [] },
        { name: 'off', domains: ['b'], routes: [] },
        { name: 'camel', domains: ['c'], includeRequestAttemptCount: true, routes: [] },
      ],
    }),
  );
  assert.equal(rc.virtualHosts[0]!.includeRequestAttemptCount, true);
  assert.equal(rc.virtualHosts[1]!.includeRequestAttemptCount, undefined);
  assert.equal(rc.virtualHosts[2]!.includeRequestAttemptCount, true);
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HttpConnectionManagerConfig, RouteActionConfig, TcpProxyConfig } from '../../config/index.ts';
import { type BootstrapConfig, loadBootstrap } from '../index.ts';

const FIXTURE = join(import.meta.dirname, 'testdata', 'bootstrap.yaml');

function load(): BootstrapConfig {
  const res = loadBootstrap(readFileSync(FIXTURE, 'utf8'), 'bootstrap.yaml');
  if (!res.ok) assert.fail(res.errors.map((e) => `${e.line}: ${e.path}: ${e.message}`).join('\n'));
  return res.value;
}

const noMutation = { add: [], remove: [] };

test('node, admin and dynamic resources', () => {
  const b = load();
  assert.equal(b.node.id, 'sidecar~127.0.0.1~productpage-v1.default~default.svc.cluster.local');
  assert.equal(b.node.cluster, 'productpage.default');
  assert.deepEqual(b.node.metadata, { ISTIO_VERSION: '1.24.0' });
  assert.deepEqual(b.admin, { address: { host: '127.0.0.1', port: 15000 } });
  assert.deepEqual(b.dynamic, {
    adsCluster: 'xds-grpc',
    xdsAddress: { host: '127.0.0.1', port: 15010 },
    lds: true,
    cds: true,
  });
});

test('HTTP listener: filters, connection manager and every route kind', () => {
  const l = load().staticResources.listeners[0]!;
  assert.equal(l.name, 'http_8080');
  assert.deepEqual(l.address, { host: '0.0.0.0', port: 8080 });
  assert.equal(l.statPrefix, '0.0.0.0_8080');
  assert.deepEqual(l.listenerFilters, [
    'envoy.filters.listener.tls_inspector',
    'envoy.filters.listener.http_inspector',
  ]);
  const chain = l.filterChains[0]!;
  assert.deepEqual(chain.match, {
    destinationPort: 8080,
    prefixRanges: [],
    sourcePrefixRanges: [],
    serverNames: [],
    applicationProtocols: ['http/1.1', 'h2c'],
  });
  const hcm = chain.filter as HttpConnectionManagerConfig;
  assert.equal(hcm.kind, 'http_connection_manager');
  assert.equal(hcm.statPrefix, 'outbound_0.0.0.0_8080');
  assert.equal(hcm.streamIdleTimeoutMs, 60_000);
  assert.equal(hcm.useRemoteAddress, true);
  assert.deepEqual(hcm.upgrades, ['websocket']);
  assert.deepEqual(hcm.accessLog, [{ path: '/dev/stdout', textFormat: '[%START_TIME%] %RESPONSE_CODE%\n' }]);
  // the optional unknown filter (istio.stats) is skipped, as Envoy does
  assert.deepEqual(
    hcm.httpFilters.map((f) => f.name),
    ['envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router'],
  );
  assert.deepEqual(hcm.httpFilters[0]!.config, {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    abort: { http_status: 503, percentage: { numerator: 10 } },
  });

  const rc = hcm.routeConfig!;
  assert.equal(rc.name, 'local_routes');
  assert.deepEqual(rc.responseHeaders.add, [
    { key: 'x-served-by', value: 'weft', appendAction: 'APPEND_IF_EXISTS_OR_ADD', keepEmptyValue: false },
  ]);
  const vh = rc.virtualHosts[0]!;
  assert.deepEqual(vh.domains, ['reviews', 'reviews:8080']);
  assert.deepEqual(vh.retryPolicy?.retryOn, ['5xx', 'connect-failure']);
  assert.equal(vh.retryPolicy?.numRetries, 2);
  const [exact, regex, separated, redirect, direct] = vh.routes;

  assert.deepEqual(exact!.match, {
    path: { kind: 'path', value: '/reviews/0' },
    caseSensitive: true,
    grpc: false,
    headers: [
      {
        name: 'end-user',
        spec: { kind: 'string', matcher: { kind: 'exact', value: 'jason', ignoreCase: false } },
        invert: false,
        treatMissingAsEmpty: false,
      },
      {
        name: 'x-version',
        spec: { kind: 'present', present: true },
        invert: false,
        treatMissingAsEmpty: false,
      },
      {
        name: 'x-canary',
        spec: { kind: 'string', matcher: { kind: 'prefix', value: 'yes', ignoreCase: false } },
        invert: true,
        treatMissingAsEmpty: false,
      },
      {
        name: 'x-id',
        spec: { kind: 'range', start: 1, end: 100 },
        invert: false,
        treatMissingAsEmpty: false,
      },
      {
        name: 'x-tag',
        spec: { kind: 'string', matcher: { kind: 'regex', value: 'v[0-9]+', ignoreCase: false } },
        invert: false,
        treatMissingAsEmpty: false,
      },
      {
        name: 'x-old',
        spec: { kind: 'string', matcher: { kind: 'exact', value: 'legacy', ignoreCase: false } },
        invert: false,
        treatMissingAsEmpty: false,
      },
    ],
    queryParameters: [
      { name: 'debug', presentMatch: true },
      { name: 'lang', presentMatch: false, matcher: { kind: 'exact', value: 'en', ignoreCase: true } },
    ],
  });
  const weighted = exact!.action as RouteActionConfig;
  assert.equal(weighted.timeoutMs, 500);
  assert.deepEqual(weighted.weightedClusters, [
    { name: 'reviews-v1', weight: 75, requestHeaders: noMutation, responseHeaders: noMutation },
    {
      name: 'reviews-v2',
      weight: 25,
      requestHeaders: {
        add: [
          { key: 'x-subset', value: 'v2', appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD', keepEmptyValue: false },
        ],
        remove: [],
      },
      responseHeaders: noMutation,
    },
  ]);
  assert.deepEqual(weighted.retryPolicy, {
    retryOn: ['gateway-error', 'retriable-status-codes'],
    numRetries: 3,
    perTryTimeoutMs: 250,
    retriableStatusCodes: [503],
    backoffBaseMs: 25,
    backoffMaxMs: 250,
    retryOtherHost: true,
    hostSelectionRetryMaxAttempts: 5,
  });

  assert.deepEqual(regex!.match.path, { kind: 'safe_regex', value: '^/reviews/[0-9]+$' });
  assert.equal(regex!.match.grpc, true);
  assert.deepEqual((regex!.action as RouteActionConfig).regexRewrite, {
    pattern: '^/reviews/(.*)$',
    substitution: '/r/\\1',
  });

  assert.deepEqual(separated!.match.path, { kind: 'path_separated_prefix', value: '/api' });
  assert.equal(separated!.match.caseSensitive, false);
  assert.equal(separated!.match.fraction, 0.25);
  const sa = separated!.action as RouteActionConfig;
  assert.equal(sa.clusterHeader, 'x-target-cluster');
  assert.equal(sa.prefixRewrite, '/v2/api');
  assert.equal(sa.hostRewriteLiteral, 'backend.local');
  assert.equal(sa.idleTimeoutMs, 30_000);
  assert.deepEqual(sa.hashPolicy, [
    { spec: { kind: 'header', name: 'x-user' }, terminal: false },
    { spec: { kind: 'cookie', name: 'session', ttlMs: 10_000, path: '/' }, terminal: true },
    { spec: { kind: 'source_ip' }, terminal: false },
    { spec: { kind: 'query_parameter', name: 'user' }, terminal: false },
  ]);
  assert.deepEqual(sa.mirrors, [{ cluster: 'reviews-v2', fraction: 0.5 }]);

  assert.deepEqual(redirect!.action, {
    kind: 'redirect',
    schemeRedirect: 'https',
    hostRedirect: 'new.example.com',
    portRedirect: 8443,
    prefixRewrite: '/new',
    responseCode: 302,
    stripQuery: true,
  });
  assert.deepEqual(direct!.action, { kind: 'direct_response', status: 200, body: 'ok' });
  assert.equal(direct!.operation, 'health-check');
  assert.deepEqual(direct!.requestHeaders.remove, ['x-debug']);
});

test('TCP listener with weighted clusters', () => {
  const l = load().staticResources.listeners[1]!;
  assert.deepEqual(l.filterChains[0]!.filter as TcpProxyConfig, {
    kind: 'tcp_proxy',
    statPrefix: 'tcp-echo',
    weightedClusters: [
      { name: 'tcp-echo-v1', weight: 80 },
      { name: 'tcp-echo-v2', weight: 20 },
    ],
    idleTimeoutMs: 600_000,
    maxConnectAttempts: 1,
    accessLog: [],
  });
});

test('clusters of each discovery type and load-balancing policy', () => {
  const byName = new Map(load().staticResources.clusters.map((c) => [c.name, c]));
  const xds = byName.get('xds-grpc')!;
  assert.equal(xds.upstreamProtocol, 'http2');
  assert.equal(xds.connectTimeoutMs, 1000);
  const v1 = byName.get('reviews-v1')!;
  assert.equal(v1.lbPolicy, 'ROUND_ROBIN');
  assert.deepEqual(v1.loadAssignment?.localities, [
    {
      locality: { region: 'us-east1', zone: 'b', subZone: '' },
      priority: 0,
      weight: 3,
      endpoints: [
        { address: { host: '127.0.0.1', port: 9081 }, healthStatus: 'HEALTHY', weight: 2, metadata: {} },
        {
          address: { host: '127.0.0.1', port: 9082 },
          healthStatus: 'UNKNOWN',
          weight: 1,
          metadata: {},
          hostname: 'reviews-2',
        },
      ],
    },
  ]);
  const v2 = byName.get('reviews-v2')!;
  assert.equal(v2.discovery, 'EDS');
  assert.equal(v2.edsServiceName, 'reviews-v2-eds');
  assert.equal(v2.lbPolicy, 'LEAST_REQUEST');
  assert.deepEqual(v2.leastRequest, { choiceCount: 3 });
  // the HIGH threshold does not override DEFAULT's
  assert.deepEqual(v2.circuitBreakers, {
    maxConnections: 1,
    maxPendingRequests: 1,
    maxRequests: 10,
    maxRetries: 2,
    // The HIGH thresholds limit nothing here (HIGH-priority routes are refused); /clusters lists them.
    highPriority: { maxConnections: 99, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
  });
  assert.equal(v2.outlierDetection?.consecutive5xx, 1);
  assert.equal(v2.outlierDetection?.intervalMs, 1000);
  assert.equal(v2.outlierDetection?.baseEjectionTimeMs, 180_000);
  assert.equal(v2.outlierDetection?.maxEjectionPercent, 100);
  assert.equal(byName.get('tcp-echo-v1')!.lbPolicy, 'RANDOM');
  assert.equal(
    byName.get('tcp-echo-v1')!.loadAssignment?.localities[0]?.endpoints[0]?.address.host,
    'localhost',
  );
  assert.equal(byName.get('tcp-echo-v2')!.lbPolicy, 'RING_HASH');
  assert.deepEqual(byName.get('tcp-echo-v2')!.ringHash, { minimumRingSize: 64, maximumRingSize: 4096 });
  const maglev = byName.get('maglev')!;
  assert.equal(maglev.lbPolicy, 'MAGLEV');
  assert.deepEqual(maglev.maglev, { tableSize: 5 });
  assert.equal(maglev.idleTimeoutMs, 90_000);
  assert.equal(maglev.maxRequestsPerConnection, 100);
  assert.equal(byName.get('PassthroughCluster')!.discovery, 'ORIGINAL_DST');
});

test('errors carry file:line, in YAML and in JSON', () => {
  const yaml = [
    'static_resources:',
    '  clusters:',
    '  - name: c',
    '    connectTimeout: 1s',
    '    bogus_field: 1',
  ].join('\n');
  const res = loadBootstrap(yaml, 'bad.yaml');
  assert.equal(res.ok, false);
  if (res.ok) return;
  // a missing field is located at its nearest existing parent (the cluster entry)
  assert.deepEqual(res.errors, [
    {
      file: 'bad.yaml',
      line: 3,
      path: 'static_resources.clusters[0].load_assignment',
      message: "Cluster 'c': STATIC cluster needs 'load_assignment'",
    },
    {
      file: 'bad.yaml',
      line: 5,
      path: 'static_resources.clusters[0].bogus_field',
      message: "unsupported field 'bogus_field' in Cluster 'c'",
    },
  ]);

  const json = JSON.stringify(
    { admin: { address: { socketAddress: { address: 'nowhere', portValue: 1 } } } },
    null,
    2,
  );
  const j = loadBootstrap(json, 'b.json');
  assert.equal(j.ok, false);
  if (j.ok) return;
  assert.equal(j.errors.length, 1);
  assert.equal(j.errors[0]!.path, 'admin.address.socket_address.address');
  assert.equal(j.errors[0]!.line, 5); // the camelCase key "address" inside "socketAddress"
  assert.match(j.errors[0]!.message, /malformed IP address: nowhere/);
});

test('YAML syntax errors and an ADS cluster that does not exist', () => {
  const syntax = loadBootstrap('node: {id: a\n', 'x.yaml');
  assert.equal(syntax.ok, false);
  if (!syntax.ok) assert.match(syntax.errors[0]!.message, /^YAML syntax error/);
  const res = loadBootstrap(
    'dynamic_resources:\n  ads_config:\n    api_type: GRPC\n    grpc_services: [{envoy_grpc: {cluster_name: xds}}]\n  cds_config: {ads: {}}\n',
    'd.yaml',
  );
  assert.equal(res.ok, false);
  if (res.ok) return;
  assert.deepEqual(
    res.errors.map((e) => [e.line, e.path, e.message]),
    [
      [
        4,
        'dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name',
        "Bootstrap: ADS cluster 'xds' is not a static cluster",
      ],
    ],
  );
});

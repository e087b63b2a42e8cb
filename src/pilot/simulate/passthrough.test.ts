// Traffic to hosts outside the registry, as Istio's outboundTrafficPolicy decides it: ALLOW_ANY
// (the mesh default) → PassthroughCluster, REGISTRY_ONLY (a Sidecar's policy) → 502 / BlackHole;
// and a ServiceEntry with `resolution: NONE` → an ORIGINAL_DST cluster.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { TcpProxyConfig } from '../../proxy/config/index.ts';
import { BOOKINFO, loadSamples, loadWith, SAMPLES, sidecar, simulate } from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';
const productpage = sidecar({ app: 'productpage', version: 'v1' });
const capture = sidecar({ app: 'productpage' }, { captureMode: 'IPTABLES', httpProxy: undefined });
const get = (authority: string, routeConfig = 'http_proxy') => ({ routeConfig, authority, path: '/' });

const REGISTRY_ONLY = `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`;

function defaultChainCluster(sim: ReturnType<typeof simulate>): string | undefined {
  const chain = sim.listeners.get('virtualOutbound')?.defaultFilterChain;
  return (chain?.filter as TcpProxyConfig | undefined)?.cluster;
}

describe('outbound traffic to hosts outside the registry', { skip }, () => {
  test('PassthroughCluster: ORIGINAL_DST with CLUSTER_PROVIDED, as Istio generates it', () => {
    const sim = simulate(loadSamples([BOOKINFO]), productpage);
    const c = sim.clusters.get('PassthroughCluster');
    assert.equal(c?.discovery, 'ORIGINAL_DST');
    assert.equal(c?.upstreamProtocol, 'downstream', "the downstream's HTTP version");
    assert.equal(c?.originalDst?.cleanupIntervalMs, 5_000, "Envoy's default cleanup_interval");
    assert.ok(sim.clusters.has('BlackHoleCluster'));
  });

  test('ALLOW_ANY (default): allow_any virtual host last in every outbound table, known hosts first', () => {
    const sim = simulate(loadSamples([BOOKINFO]), productpage);
    const r = sim.request(get('example.com'));
    assert.equal(r.virtualHost, 'allow_any');
    assert.equal(r.cluster, 'PassthroughCluster');
    assert.equal(r.timeoutMs, 0);
    assert.deepEqual(r.endpoints, ['example.com:80']);
    assert.equal(sim.request(get('127.0.0.1:8123')).cluster, 'PassthroughCluster');
    assert.equal(
      sim.request(get('reviews:9080')).cluster,
      'outbound|9080||reviews.default.svc.cluster.local',
    );

    const cap = simulate(loadSamples([BOOKINFO]), capture);
    assert.equal(cap.request(get('example.com:9080', '9080')).cluster, 'PassthroughCluster');
    assert.equal(
      defaultChainCluster(cap),
      'PassthroughCluster',
      'virtualOutbound: tcp_proxy to the original destination',
    );
  });

  test('REGISTRY_ONLY (Sidecar outboundTrafficPolicy): block_all answers 502, virtualOutbound blackholes', () => {
    const store = loadWith([BOOKINFO], REGISTRY_ONLY);
    const sim = simulate(store, productpage);
    const r = sim.request(get('example.com'));
    assert.equal(r.virtualHost, 'block_all');
    assert.equal(r.kind, 'direct_response');
    assert.equal(r.status, 502);
    assert.equal(
      sim.request(get('reviews:9080')).cluster,
      'outbound|9080||reviews.default.svc.cluster.local',
    );
    assert.equal(defaultChainCluster(simulate(store, capture)), 'BlackHoleCluster');
  });

  test('a workload-selected Sidecar overrides the namespace one', () => {
    const store = loadWith(
      [BOOKINFO],
      `${REGISTRY_ONLY}---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: productpage, namespace: default}
spec:
  workloadSelector: {labels: {app: productpage}}
  outboundTrafficPolicy: {mode: ALLOW_ANY}
`,
    );
    assert.equal(simulate(store, productpage).request(get('example.com')).cluster, 'PassthroughCluster');
    const reviews = sidecar({ app: 'reviews', version: 'v1' });
    assert.equal(simulate(store, reviews).request(get('example.com')).status, 502);
  });

  test('ServiceEntry resolution NONE: an ORIGINAL_DST cluster, no endpoints of its own', () => {
    const store = loadWith(
      [BOOKINFO],
      `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy, namespace: default}
spec:
  hosts: [legacy.example.com]
  addresses: [10.9.0.0/16]
  ports: [{number: 8080, name: http, protocol: HTTP}]
  location: MESH_EXTERNAL
  resolution: NONE
`,
    );
    const sim = simulate(store, productpage);
    const name = 'outbound|8080||legacy.example.com';
    const c = sim.clusters.get(name);
    assert.equal(c?.discovery, 'ORIGINAL_DST');
    assert.equal(c?.lbPolicy, 'ROUND_ROBIN', 'CLUSTER_PROVIDED leaves the decoded default');
    assert.equal(c?.loadAssignment, undefined);
    const r = sim.request(get('legacy.example.com:8080'));
    assert.equal(r.cluster, name);
    assert.deepEqual(r.endpoints, ['legacy.example.com:8080']);
  });
});

// Weighted destinations, simulated: Istio drops destinations of weight 0 when the route has others,
// and routes to a single remaining one as a plain cluster. Weights are relative shares (they need
// not total 100): a destination gets weight / total of the traffic, as Envoy's weighted_clusters.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { parseYaml, validateDocuments } from '../../api/index.ts';
import { toInput } from '../../config/index.ts';
import type { TcpProxyConfig } from '../../proxy/config/index.ts';
import { StatsStore } from '../../proxy/observe/index.ts';
import { compileTcpProxy } from '../../proxy/tcp/index.ts';
import { buildRegistry } from '../../registry/index.ts';
import { buildMeshIndex, generateProxyConfig, type Json } from '../translate/index.ts';
import {
  ingressGateway,
  loadSamples,
  NET,
  SAMPLES,
  sidecar,
  simulate,
  workloadsOfDeployments,
} from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';

test('weight 0 destinations are dropped; one left is a plain cluster', { skip }, () => {
  const store = loadSamples(['bookinfo/platform/kube/bookinfo.yaml', `${NET}destination-rule-all.yaml`]);
  const { docs } = parseYaml(
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route:
    - {destination: {host: reviews, subset: v1}, weight: 0}
    - {destination: {host: reviews, subset: v2}, weight: 100}
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 0}
    - {destination: {host: reviews, subset: v2}, weight: 50}
    - {destination: {host: reviews, subset: v3}, weight: 50}
`,
    'vs.yaml',
  );
  assert.deepEqual(
    validateDocuments(docs).filter((i) => i.severity === 'error'),
    [],
  );
  store.update(docs.map(toInput));
  const proxy = sidecar({ app: 'productpage' });
  const sim = simulate(store, proxy);
  const req = { routeConfig: 'http_proxy', authority: 'reviews:9080', path: '/' };
  const jason = sim.request({ ...req, headers: { 'end-user': 'jason' } });
  assert.equal(jason.kind, 'cluster');
  assert.equal(jason.cluster, 'outbound|9080|v2|reviews.default.svc.cluster.local');
  const [first, second] = routeActionsOf(store, proxy);
  assert.equal(first?.['cluster'], 'outbound|9080|v2|reviews.default.svc.cluster.local');
  assert.equal(first?.['weighted_clusters'], undefined);
  const weighted = (second?.['weighted_clusters'] ?? {}) as Json;
  assert.equal((weighted['clusters'] as Json[] | undefined)?.length, 2);
  const split = sim.split(req);
  assert.deepEqual(Object.keys(split).sort(), [
    'outbound|9080|v2|reviews.default.svc.cluster.local',
    'outbound|9080|v3|reviews.default.svc.cluster.local',
  ]);
});

const V1 = 'outbound|9080|v1|reviews.default.svc.cluster.local';
const V3 = 'outbound|9080|v3|reviews.default.svc.cluster.local';

/** Bookinfo with a reviews VirtualService splitting v1:v3 by the given relative weights. */
function reviewsSplit(w1: number, w3: number) {
  const store = loadSamples(['bookinfo/platform/kube/bookinfo.yaml', `${NET}destination-rule-all.yaml`]);
  const { docs } = parseYaml(
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: ${w1}}
    - {destination: {host: reviews, subset: v3}, weight: ${w3}}
`,
    'vs.yaml',
  );
  assert.deepEqual(
    validateDocuments(docs).filter((i) => i.severity === 'error'),
    [],
    'relative weights are valid',
  );
  store.update(docs.map(toInput));
  return store;
}

test('weights 1:3 route 25 % / 75 %: the weights are relative, not percentages', { skip }, () => {
  const store = reviewsSplit(1, 3);
  const proxy = sidecar({ app: 'productpage' });
  // Passed to the proxy as they are: no rescaling to 100, no total_weight.
  const [action] = routeActionsOf(store, proxy);
  const weighted = (action?.['weighted_clusters'] ?? {}) as Json;
  assert.deepEqual(
    (weighted['clusters'] as Json[]).map((c) => `${String(c['name'])}=${String(c['weight'])}`),
    [`${V1}=1`, `${V3}=3`],
  );
  assert.equal(weighted['total_weight'], undefined);
  // The proxy's router picks floor(random × 4): 0 → v1, 1..3 → v3.
  const sim = simulate(store, proxy);
  const req = { routeConfig: 'http_proxy', authority: 'reviews:9080', path: '/' };
  const at = (random: number) => sim.request({ ...req, random }).cluster;
  assert.equal(at(0), V1);
  assert.equal(at(0.2499), V1);
  assert.equal(at(0.25), V3);
  assert.equal(at(0.5), V3);
  assert.equal(at(0.9999), V3);
  const split = sim.split(req, 1000);
  assert.ok(Math.abs(split[V1]! - 0.25) < 1e-9, `v1 ${split[V1]}`);
  assert.ok(Math.abs(split[V3]! - 0.75) < 1e-9, `v3 ${split[V3]}`);
});

test('weights 150/50 route 75 % / 25 %', { skip }, () => {
  const sim = simulate(reviewsSplit(150, 50), sidecar({ app: 'productpage' }));
  const req = { routeConfig: 'http_proxy', authority: 'reviews:9080', path: '/' };
  assert.equal(sim.request({ ...req, random: 0.7499 }).cluster, V1);
  assert.equal(sim.request({ ...req, random: 0.75 }).cluster, V3);
  const split = sim.split(req, 1000);
  assert.ok(Math.abs(split[V1]! - 0.75) < 1e-9, `v1 ${split[V1]}`);
  assert.ok(Math.abs(split[V3]! - 0.25) < 1e-9, `v3 ${split[V3]}`);
});

test('a tcp route 1:3 with a weight-0 destination: 0 dropped, tcp_proxy splits 25 % / 75 %', { skip }, () => {
  // Envoy's tcp_proxy requires every weight ≥ 1, so a weight-0 entry would be NACKed: Istio omits it.
  const store = loadSamples(['tcp-echo/tcp-echo-services.yaml', 'tcp-echo/tcp-echo-all-v1.yaml']);
  const { docs } = parseYaml(
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tcp-echo}
spec:
  hosts: ["*"]
  gateways: [tcp-echo-gateway]
  tcp:
  - match: [{port: 31400}]
    route:
    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v1}, weight: 1}
    - {destination: {host: tcp-echo, port: {number: 9000}}, weight: 0}
    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v2}, weight: 3}
`,
    'vs.yaml',
  );
  assert.deepEqual(
    validateDocuments(docs).filter((i) => i.severity === 'error'),
    [],
  );
  store.update(docs.map(toInput));
  const sim = simulate(store, ingressGateway());
  const listener = sim.listeners.get('0.0.0.0_31400');
  assert.ok(listener);
  const tcp = listener.filterChains[0]!.filter as TcpProxyConfig;
  assert.equal(tcp.kind, 'tcp_proxy');
  const tv1 = 'outbound|9000|v1|tcp-echo.default.svc.cluster.local';
  const tv2 = 'outbound|9000|v2|tcp-echo.default.svc.cluster.local';
  assert.deepEqual(
    tcp.weightedClusters?.map((c) => `${c.name}=${c.weight}`),
    [`${tv1}=1`, `${tv2}=3`],
  );
  const compiled = compileTcpProxy(tcp, { clusters: { get: () => undefined }, stats: new StatsStore() });
  assert.ok(compiled.ok);
  const pick = compiled.tcp.pickCluster;
  assert.equal(pick(0), tv1);
  assert.equal(pick(0.2499), tv1);
  assert.equal(pick(0.25), tv2);
  assert.equal(pick(0.9999), tv2);
});

/**
 * The ingress gateway's tcp_proxy for a TLS passthrough server on reviews.example.com:443 whose
 * VirtualService tls route sends to `route` (YAML flow sequence of destinations).
 */
function passthroughTcp(route: string): TcpProxyConfig {
  const store = loadSamples(['bookinfo/platform/kube/bookinfo.yaml', `${NET}destination-rule-all.yaml`]);
  const { docs } = parseYaml(
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: tls-gw}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [reviews.example.com]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-tls}
spec:
  hosts: [reviews.example.com]
  gateways: [tls-gw]
  tls:
  - match: [{port: 443, sniHosts: [reviews.example.com]}]
    route: ${route}
`,
    'tls.yaml',
  );
  assert.deepEqual(
    validateDocuments(docs).filter((i) => i.severity === 'error'),
    [],
  );
  store.update(docs.map(toInput));
  const sim = simulate(store, ingressGateway());
  const chains = [...sim.listeners.values()].flatMap((l) => l.filterChains);
  const tcp = chains.map((c) => c.filter).find((f) => f.kind === 'tcp_proxy') as TcpProxyConfig | undefined;
  assert.ok(tcp, 'a tcp_proxy filter chain for the passthrough server');
  return tcp;
}

test('a gateway tls passthrough route drops its weight-0 destination too', { skip }, () => {
  const reviews = (subset: string, weight: number) =>
    `{destination: {host: reviews.default.svc.cluster.local, port: {number: 9080}, subset: ${subset}}, weight: ${weight}}`;
  const tcp = passthroughTcp(`[${reviews('v1', 1)}, ${reviews('v2', 0)}, ${reviews('v3', 3)}]`);
  assert.deepEqual(
    tcp.weightedClusters?.map((c) => `${c.name}=${c.weight}`),
    [`${V1}=1`, `${V3}=3`],
  );
});

test("a gateway tls passthrough route's short destination host is a service of its namespace", {
  skip,
}, () => {
  const tcp = passthroughTcp('[{destination: {host: reviews, port: {number: 9080}, subset: v1}}]');
  assert.equal(tcp.cluster ?? tcp.weightedClusters?.[0]?.name, V1);
});

// The proxy decides the same for a one-entry weighted_clusters, so check the action's form too.
function routeActionsOf(store: ReturnType<typeof loadSamples>, proxy: ReturnType<typeof sidecar>): Json[] {
  const registry = buildRegistry(store.snapshot(), { workloads: workloadsOfDeployments(store) });
  const config = generateProxyConfig(buildMeshIndex(store.snapshot(), registry), proxy);
  const rc = config.routes.find((r) => r['name'] === 'http_proxy')!;
  const vhosts = rc['virtual_hosts'] as Json[];
  const vh = vhosts.find((v) => v['name'] === 'reviews.default.svc.cluster.local:9080')!;
  return (vh['routes'] as Json[]).map((r) => r['route'] as Json);
}

test("a match name without a route name names the route '.m', as Istio", { skip }, () => {
  const store = loadSamples(['bookinfo/platform/kube/bookinfo.yaml']);
  const { docs } = parseYaml(
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings]
  http:
  - match: [{name: jason, headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: ratings}}]
  - name: rest
    match: [{name: all, uri: {prefix: /}}]
    route: [{destination: {host: ratings}}]
`,
    'vs.yaml',
  );
  store.update(docs.map(toInput));
  const sim = simulate(store, sidecar({ app: 'reviews' }));
  const req = { routeConfig: 'http_proxy', authority: 'ratings:9080', path: '/' };
  assert.equal(sim.request({ ...req, headers: { 'end-user': 'jason' } }).route, '.jason');
  assert.equal(sim.request(req).route, 'rest.all');
});

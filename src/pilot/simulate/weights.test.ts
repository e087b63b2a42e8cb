// Weighted destinations, simulated: Istio drops destinations of weight 0 when the route has others,
// and routes to a single remaining one as a plain cluster.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { parseYaml, validateDocuments } from '../../api/index.ts';
import { toInput } from '../../config/index.ts';
import { buildRegistry } from '../../registry/index.ts';
import { buildMeshIndex, generateProxyConfig, type Json } from '../translate/index.ts';
import { loadSamples, NET, SAMPLES, sidecar, simulate, workloadsOfDeployments } from './fixtures.ts';

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

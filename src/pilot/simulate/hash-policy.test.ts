// DestinationRule consistentHash, simulated: the cluster's RING_HASH/MAGLEV only makes sessions
// sticky when the routes towards it hash on something, so every route to such a destination must
// carry the hash_policy Istio derives from the rule, and the proxy must decode it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseYaml, validateDocuments } from '../../api/index.ts';
import { toInput } from '../../config/index.ts';
import { loadSamples, SAMPLES, sidecar, simulate } from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';

function withYaml(yaml: string) {
  const store = loadSamples(['bookinfo/platform/kube/bookinfo.yaml']);
  const { docs } = parseYaml(yaml, 'extra.yaml');
  assert.deepEqual(
    validateDocuments(docs).filter((i) => i.severity === 'error'),
    [],
  );
  store.update(docs.map(toInput));
  return simulate(store, sidecar({ app: 'productpage' }));
}

const get = (authority: string) => ({ routeConfig: 'http_proxy', authority, path: '/' });

describe('consistent hashing, simulated', { skip }, () => {
  test('no VirtualService: the default route hashes on the header the rule names', () => {
    const sim = withYaml(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  trafficPolicy:
    loadBalancer:
      consistentHash: {httpHeaderName: x-user}
`);
    const r = sim.request(get('ratings:9080'));
    assert.equal(r.cluster, 'outbound|9080||ratings.default.svc.cluster.local');
    assert.deepEqual(r.hashPolicies, [{ spec: { kind: 'header', name: 'x-user' }, terminal: false }]);
    assert.equal(sim.clusters.get(r.cluster!)?.lbPolicy, 'RING_HASH');
    assert.deepEqual(sim.request(get('details:9080')).hashPolicies, [], 'no rule, no hashing');
  });

  test('VirtualService to a subset: the subset cookie wins over the rule, and retries stay on the host', () => {
    const sim = withYaml(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash: {useSourceIp: true}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      loadBalancer:
        consistentHash:
          httpCookie: {name: session, ttl: 60s, path: /}
          maglev: {tableSize: 65537}
  - name: v2
    labels: {version: v2}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`);
    const v1 = sim.request(get('reviews:9080'));
    assert.equal(v1.cluster, 'outbound|9080|v1|reviews.default.svc.cluster.local');
    assert.deepEqual(v1.hashPolicies, [
      { spec: { kind: 'cookie', name: 'session', ttlMs: 60_000, path: '/' }, terminal: false },
    ]);
    assert.equal(sim.clusters.get(v1.cluster!)?.lbPolicy, 'MAGLEV');
    assert.equal(v1.retryOtherHost, false, 'Istio drops previous_hosts for a hashed destination');
    assert.equal(sim.request(get('ratings:9080')).retryOtherHost, true);
    const v2 = sim.request({ ...get('reviews:9080'), headers: { 'end-user': 'jason' } });
    assert.deepEqual(v2.hashPolicies, [{ spec: { kind: 'source_ip' }, terminal: false }]);
  });

  test('port-level query-parameter hashing applies when the destination names the port', () => {
    const sim = withYaml(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: details}
spec:
  host: details
  trafficPolicy:
    portLevelSettings:
    - port: {number: 9080}
      loadBalancer:
        consistentHash: {httpQueryParameterName: user}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: details}
spec:
  hosts: [details]
  http:
  - route: [{destination: {host: details, port: {number: 9080}}}]
`);
    assert.deepEqual(sim.request(get('details:9080')).hashPolicies, [
      { spec: { kind: 'query_parameter', name: 'user' }, terminal: false },
    ]);
  });
});

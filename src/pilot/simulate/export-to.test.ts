// exportTo of VirtualServices and DestinationRules, simulated: a rule not exported to a proxy's
// namespace must not shape that proxy's routes or clusters, as in Istio.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseYaml, validateDocuments } from '../../api/index.ts';
import { toInput } from '../../config/index.ts';
import { loadSamples, SAMPLES, sidecar, simulate } from './fixtures.ts';

const skip = existsSync(SAMPLES) ? false : 'Istio samples (../shared/istio) not present';

function storeWith(yaml: string) {
  const store = loadSamples(['bookinfo/platform/kube/bookinfo.yaml']);
  const { docs } = parseYaml(yaml, 'extra.yaml');
  assert.deepEqual(
    validateDocuments(docs).filter((i) => i.severity === 'error'),
    [],
  );
  store.update(docs.map(toInput));
  return store;
}

const inNs = (namespace: string) => sidecar({ app: 'curl' }, { namespace });
const reviews = { routeConfig: 'http_proxy', authority: 'reviews.default:9080', path: '/' };

function vsTo(exportTo: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  exportTo: ${exportTo}
  http:
  - route: [{destination: {host: reviews, subset: v1}}]
`;
}

describe('exportTo, simulated', { skip }, () => {
  test("VirtualService exportTo '.', '~', a namespace list, and the default", () => {
    const V1 = 'outbound|9080|v1|reviews.default.svc.cluster.local';
    const DEFAULT = 'outbound|9080||reviews.default.svc.cluster.local';
    const dot = storeWith(vsTo("['.']"));
    assert.equal(simulate(dot, inNs('default')).request(reviews).cluster, V1);
    assert.equal(simulate(dot, inNs('other')).request(reviews).cluster, DEFAULT);
    const none = storeWith(vsTo("['~']"));
    assert.equal(simulate(none, inNs('default')).request(reviews).cluster, DEFAULT);
    const list = storeWith(vsTo('[other]'));
    assert.equal(simulate(list, inNs('other')).request(reviews).cluster, V1);
    assert.equal(simulate(list, inNs('default')).request(reviews).cluster, DEFAULT);
    const all = storeWith(vsTo("['*']"));
    assert.equal(simulate(all, inNs('third')).request(reviews).cluster, V1);
  });

  test('a DestinationRule not exported to the proxy is not used, nor one from an unrelated namespace', () => {
    const store = storeWith(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-private, namespace: default}
spec:
  host: reviews.default.svc.cluster.local
  exportTo: ['.']
  trafficPolicy: {loadBalancer: {simple: RANDOM}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-elsewhere, namespace: third}
spec:
  host: reviews.default.svc.cluster.local
  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
`);
    const CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';
    assert.equal(simulate(store, inNs('default')).clusters.get(CLUSTER)?.lbPolicy, 'RANDOM');
    assert.equal(
      simulate(store, inNs('other')).clusters.get(CLUSTER)?.lbPolicy,
      'LEAST_REQUEST',
      "the service namespace's rule is private, and Istio never looks in 'third'",
    );
    assert.equal(simulate(store, inNs('third')).clusters.get(CLUSTER)?.lbPolicy, 'ROUND_ROBIN');
  });
});
